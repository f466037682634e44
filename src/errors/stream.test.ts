import { describe, expect, it } from 'vitest';
import { rawConnect, start } from '../../test/server/helpers.ts';
import type { Handler } from '../core/handler.ts';
import { NotFound } from '../core/http-error.ts';
import { BodyStreamError, errors, type ErrorReport, type ErrorsOptions } from './index.ts';

const encoder = new TextEncoder();
const REQUEST = 'GET / HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\nConnection: close\r\n\r\n';

/** A body that sends `first`, then fails once `go` resolves (when the client has the first part). */
function failingBody(first: string, go: Promise<void>, error: unknown): ReadableStream<Uint8Array> {
  let step = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      step += 1;
      if (step === 1) {
        controller.enqueue(encoder.encode(first));
        return;
      }
      await go;
      controller.error(error);
    },
  });
}

function logging(options: ErrorsOptions = {}): {
  options: ErrorsOptions;
  logged: Promise<ErrorReport>;
} {
  let done: (report: ErrorReport) => void = () => undefined;
  const logged = new Promise<ErrorReport>((resolve) => (done = resolve));
  const log = (report: ErrorReport): void => {
    done(report);
  };
  return { options: { ...options, log }, logged };
}

async function serveFailing(
  type: string,
  options: ErrorsOptions,
  error: unknown = new Error('the database went away'),
) {
  let release: () => void = () => undefined;
  const go = new Promise<void>((resolve) => (release = resolve));
  const app: Handler = () =>
    new Response(failingBody('<p>first part</p>', go, error), {
      headers: { 'content-type': type },
    });
  const server = await start(errors(options)(app));
  const connection = await rawConnect(server.port);
  connection.write(REQUEST);
  await connection.until((text) => text.includes('first part'));
  release();
  return { server, text: await connection.closed() };
}

describe('errors() while the body streams, on a real socket', () => {
  it('cuts the connection and logs the report when the body fails after the head went out', async () => {
    const { options, logged } = logging();
    const { server, text } = await serveFailing('text/plain', options);
    const report = await logged;
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text).toContain('first part');
    // A chunked body that ends without its last chunk: the client knows it is truncated.
    expect(text).not.toMatch(/\r\n0\r\n\r\n$/);
    expect(report.phase).toBe('body');
    expect(report.errors[0]?.message).toBe('the database went away');
    expect(server.errors).toEqual([expect.any(BodyStreamError)]);
    expect((server.errors[0] as BodyStreamError).identificationCode).toBe(
      report.identificationCode,
    );
  });

  it('appends a marker to an HTML body for a loopback client in debug mode', async () => {
    const { options, logged } = logging({ debug: true });
    const { text } = await serveFailing('text/html; charset=utf-8', options);
    const report = await logged;
    expect(text).toContain(`Error ${report.identificationCode}</strong> while sending this page`);
    expect(text).not.toMatch(/\r\n0\r\n\r\n$/);
  });

  it.each([
    ['a JSON body', 'application/json', { debug: true }],
    ['an HTML body with debug off', 'text/html', {}],
  ])('appends nothing to %s', async (_name, type, settings: ErrorsOptions) => {
    const { options, logged } = logging(settings);
    const { text } = await serveFailing(type, options);
    await logged;
    expect(text).not.toContain('while sending this page');
  });

  it('reports nothing for an HttpError raised while streaming, and still cuts', async () => {
    const reports: ErrorReport[] = [];
    const { server, text } = await serveFailing(
      'text/plain',
      { log: (report) => void reports.push(report) },
      new NotFound(),
    );
    expect(text).not.toMatch(/\r\n0\r\n\r\n$/);
    expect(server.errors).toEqual([expect.any(NotFound)]);
    expect(reports).toEqual([]);
  });

  it('answers the error page when the body fails before anything was sent', async () => {
    const { options, logged } = logging();
    const app: Handler = () =>
      new Response(
        new ReadableStream({
          pull(controller) {
            controller.error(new Error('template missing'));
          },
        }),
      );
    const server = await start(errors(options)(app));
    const connection = await rawConnect(server.port);
    connection.write(REQUEST);
    const text = await connection.closed();
    expect(text).toMatch(/^HTTP\/1\.1 500 Internal Server Error\r\n/);
    expect(text).toContain(`Error code: <code>${(await logged).identificationCode}</code>`);
  });

  it('keeps the Content-Length of a body that is already in memory', async () => {
    const server = await start(errors()(() => new Response('hello')));
    const connection = await rawConnect(server.port);
    connection.write(REQUEST);
    const text = await connection.closed();
    expect(text).toMatch(/\r\ncontent-length: 5\r\n/i);
    expect(text.endsWith('\r\n\r\nhello')).toBe(true);
  });

  it("cancels the application's body when the client goes away", async () => {
    const { promise: cancelled, resolve: cancel } = Promise.withResolvers<unknown>();
    let step = 0;
    const app: Handler = () =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            step += 1;
            // One chunk, then nothing more until the client leaves.
            if (step === 1) controller.enqueue(encoder.encode('data: one\n\n'));
            return step === 1 ? undefined : new Promise(() => undefined);
          },
          cancel: cancel,
        }),
        { headers: { 'content-type': 'text/event-stream' } },
      );
    const server = await start(errors()(app));
    const connection = await rawConnect(server.port);
    connection.write(REQUEST);
    await connection.until((text) => text.includes('data: one'));
    connection.socket.destroy();
    await cancelled;
    expect(server.errors).toEqual([]);
  });

  it('passes each chunk on before the next one is produced', async () => {
    let release: () => void = () => undefined;
    const go = new Promise<void>((resolve) => (release = resolve));
    let step = 0;
    const app: Handler = () =>
      new Response(
        new ReadableStream<Uint8Array>({
          async pull(controller) {
            step += 1;
            if (step === 1) controller.enqueue(encoder.encode('data: one\n\n'));
            else if (step === 2) {
              await go;
              controller.enqueue(encoder.encode('data: two\n\n'));
            } else controller.close();
          },
        }),
        { headers: { 'content-type': 'text/event-stream' } },
      );
    const server = await start(errors()(app));
    const connection = await rawConnect(server.port);
    connection.write(REQUEST);
    await connection.until((text) => text.includes('data: one'));
    expect(connection.received()).not.toContain('data: two');
    release();
    expect(await connection.closed()).toMatch(/data: two\n\n\r\n0\r\n\r\n$/);
  });
});
