/**
 * Loading html-validate, an optional peer dependency, and checking a configuration against it —
 * both when `validateHtml()` is built, so that a missing package or a bad preset is a
 * `ConfigError` before the server starts rather than a surprise on the first page.
 *
 * The package is loaded with `require()` (its CommonJS build) because a factory is synchronous;
 * the cost, about a tenth of a second, is paid once at startup, and only by applications that
 * turn the validator on.
 */
import { createRequire } from 'node:module';
import { ConfigError } from '../../core/config-error.ts';

/** The part of html-validate's report that trowel reads. */
export interface ValidatorMessage {
  readonly ruleId: string;
  readonly ruleUrl?: string | undefined;
  readonly severity: number;
  readonly message: string;
  readonly line: number;
  readonly column: number;
}

/** A validator built from one configuration. */
export interface Validator {
  validateString(
    html: string,
    filename: string,
  ): Promise<{ readonly results: readonly { readonly messages: readonly ValidatorMessage[] }[] }>;
}

interface HtmlValidateModule {
  readonly HtmlValidate: new (loader: unknown) => Validator & {
    getConfigForSync(filename: string): unknown;
  };
  readonly StaticConfigLoader: new (config: unknown) => unknown;
}

/** The filename html-validate sees: it picks the HTML transformer and nothing else. */
export const PAGE_FILENAME = 'response.html';

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') &&
    error instanceof Error &&
    error.message.includes('html-validate')
  );
}

/**
 * A validator for `config`.
 *
 * @param load how to load the package (replaced in tests).
 * @throws {ConfigError} `TROWEL_ERR_VALIDATE_PEER` when html-validate is not installed,
 * `TROWEL_ERR_VALIDATE_CONFIG` when it refuses the configuration.
 */
export function loadValidator(
  config: Readonly<Record<string, unknown>>,
  load: (name: string) => unknown = createRequire(import.meta.url),
): Validator {
  let module: HtmlValidateModule;
  try {
    module = load('html-validate') as HtmlValidateModule;
  } catch (error) {
    if (isMissing(error)) {
      throw new ConfigError(
        'TROWEL_ERR_VALIDATE_PEER',
        'validateHtml() needs the html-validate package, an optional peer dependency of trowel: ' +
          'npm install --save-dev html-validate',
        { cause: error },
      );
    }
    throw error;
  }
  const validator = new module.HtmlValidate(new module.StaticConfigLoader(config));
  try {
    // Resolves the presets and checks the rule severities now rather than on the first page.
    validator.getConfigForSync(PAGE_FILENAME);
  } catch (error) {
    throw new ConfigError(
      'TROWEL_ERR_VALIDATE_CONFIG',
      `validateHtml(): html-validate refuses the configuration: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return validator;
}
