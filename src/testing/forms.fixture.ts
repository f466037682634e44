/**
 * The shared fixture of the form tests: an app that serves some markup at GET /page and echoes
 * every other request back as JSON, with its form fields parsed. Test-only; not part of the build.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { TestApp, type Field, type Form, type TestResponse } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'trowel-forms-'));
writeFileSync(join(dir, 'report.txt'), 'on disk');
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

export interface Received {
  method: string;
  path: string;
  contentType: string | null;
  body: string;
  fields: [string, string][];
  referer: string | null;
}

/** Serves `markup` at GET /page; any other request is echoed back as JSON, form fields parsed. */
export function formApp(markup: string): TestApp {
  return new TestApp(
    async (request) => {
      const url = new URL(request.url);
      if (request.method === 'GET' && url.pathname === '/page') {
        return new Response(`<!doctype html><title>t</title>${markup}`, {
          headers: { 'content-type': 'text/html; charset=utf-8' },
        });
      }
      const contentType = request.headers.get('content-type');
      let fields: [string, string][] = [...url.searchParams];
      let body = '';
      if (contentType?.startsWith('multipart/form-data')) {
        const form = await request.formData();
        fields = await Promise.all(
          [...form].map(async ([name, value]): Promise<[string, string]> => [
            name,
            typeof value === 'string' ? value : `${value.name}|${value.type}|${await value.text()}`,
          ]),
        );
      } else {
        body = await request.text();
        if (contentType === 'application/x-www-form-urlencoded') {
          fields = [...new URLSearchParams(body)];
        }
      }
      const received: Received = {
        method: request.method,
        path: url.pathname + url.search,
        contentType,
        body,
        fields,
        referer: request.headers.get('referer'),
      };
      return Response.json(received);
    },
    { relativeTo: dir },
  );
}

export async function page(markup: string): Promise<TestResponse> {
  return formApp(markup).get('/page');
}

export async function formOf(markup: string): Promise<Form> {
  return (await page(markup)).form;
}

export const received = (res: TestResponse): Received => res.json as Received;

export function fieldOf<T extends Field>(
  form: Form,
  name: string,
  kind: abstract new (...args: never[]) => T,
  index?: number,
): T {
  const field = form.field(name, index);
  if (!(field instanceof kind)) throw new TypeError(`${name} is a ${field.kind} field`);
  return field;
}
