/**
 * @module trowel/testing
 *
 * Test fixtures: {@link TestApp}, WebTest's test client for any trowel {@link Handler} (or any
 * `(request) => Response` function), and {@link TestFileEnvironment}, a scratch directory for
 * testing command-line programs. Together they replace `paste.fixture` and `webtest`.
 *
 * `TestApp` calls the handler in process — no socket, no port, no open handles — with a real
 * Fetch `Request` and a typed `Context`, wrapped in `lint()` so that a handler which breaks the
 * interface fails its test. It keeps an RFC 6265 cookie jar across requests and redirects, checks
 * the status of every response (2xx or 3xx unless told otherwise), and reads HTML with a real
 * parser (cheerio, an optional peer dependency loaded on first use) to fill in forms and click
 * links. Given a URL instead of a handler, the same tests run against a live server.
 *
 * When not to use it: to measure a server's throughput (use a load generator against
 * `trowel/server`), or to test a browser's behaviour — scripts, layout, client-side validation —
 * for which a real browser driver is the tool.
 */
export { TestApp } from './test-app.ts';
export {
  TESTING,
  TESTING_VARIABLES,
  type Credentials,
  type ExtraContext,
  type RequestOptions,
  type TestAppOptions,
} from './options.ts';
export { TestResponse, type GotoOptions } from './test-response.ts';
export { AppError, type StatusExpectation } from './status.ts';
export { Upload, type Params, type ParamValue, type UploadFile } from './request-body.ts';
export { CookieJar, type SetCookieOptions, type StoredCookie } from './cookie-jar.ts';
export { Form, type ButtonChoice } from './forms.ts';
export {
  Checkbox,
  Field,
  FileField,
  MultipleSelect,
  Radio,
  Select,
  SubmitButton,
  TextField,
  type FieldOption,
  type FieldValue,
  type FormEntry,
  type FormValue,
} from './form-fields.ts';
export type { ButtonQuery, LinkQuery, TextPattern } from './links.ts';
export {
  FoundFile,
  RunError,
  TestFileEnvironment,
  type RunOptions,
  type RunResult,
  type TestFileEnvironmentOptions,
} from './file-environment.ts';
