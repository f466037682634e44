import { describe, expect, it } from 'vitest';
import { isConfigError } from '../core/config-error.ts';
import { errors, type ErrorsOptions } from './index.ts';
import { DEFAULT_ERROR_MESSAGE, resolveOptions } from './options.ts';

describe('errors() options', () => {
  it('applies the defaults', () => {
    const resolved = resolveOptions({});
    expect(resolved).toMatchObject({
      debug: false,
      format: 'html',
      context: 5,
      librarySource: false,
      errorMessage: DEFAULT_ERROR_MESSAGE,
      loggers: undefined,
      mail: undefined,
    });
  });

  it('shows ten lines of context in the cgitb format', () => {
    expect(resolveOptions({ format: 'cgitb' }).context).toBe(10);
  });

  it('fills in the mail defaults', () => {
    expect(resolveOptions({ mail: { to: ['ops@example.com'] } }).mail).toEqual({
      to: ['ops@example.com'],
      from: 'errors@localhost',
      subjectPrefix: '',
      transport: { host: 'localhost' },
      max: 10,
      window: 60_000,
    });
  });

  it('does not change the options it is given', () => {
    const options = Object.freeze({
      mail: Object.freeze({ to: Object.freeze([' ops@example.com ']) }),
    });
    resolveOptions(options);
    expect(options.mail.to).toEqual([' ops@example.com ']);
  });

  it.each<[string, unknown, string]>([
    ['options that are not an object', null, 'TROWEL_ERR_ERRORS_OPTIONS'],
    ['a debug that is not a boolean', { debug: 'yes' }, 'TROWEL_ERR_ERRORS_DEBUG'],
    ['an unknown format', { format: 'xml' }, 'TROWEL_ERR_ERRORS_FORMAT'],
    ['a negative context', { context: -1 }, 'TROWEL_ERR_ERRORS_CONTEXT'],
    ['a fractional context', { context: 2.5 }, 'TROWEL_ERR_ERRORS_CONTEXT'],
    [
      'a librarySource that is not a boolean',
      { librarySource: 1 },
      'TROWEL_ERR_ERRORS_LIBRARY_SOURCE',
    ],
    [
      'an errorMessage that is not a string',
      { errorMessage: 5 },
      'TROWEL_ERR_ERRORS_ERROR_MESSAGE',
    ],
    ['a log that is not a function', { log: 'stderr' }, 'TROWEL_ERR_ERRORS_LOG'],
    ['a log list with a non-function', { log: [() => undefined, 1] }, 'TROWEL_ERR_ERRORS_LOG'],
    [
      'an onMailError that is not a function',
      { onMailError: true },
      'TROWEL_ERR_ERRORS_ON_MAIL_ERROR',
    ],
    ['a redact that is not an array', { redact: 'cookie' }, 'TROWEL_ERR_ERRORS_REDACT'],
    ['a redact entry that is a number', { redact: [1] }, 'TROWEL_ERR_ERRORS_REDACT'],
    ['mail that is not an object', { mail: 'ops@example.com' }, 'TROWEL_ERR_ERRORS_MAIL'],
    ['mail without recipients', { mail: { to: [] } }, 'TROWEL_ERR_ERRORS_MAIL_TO'],
    ['a recipient that is no address', { mail: { to: ['ops'] } }, 'TROWEL_ERR_ERRORS_MAIL_TO'],
    [
      'a recipient with a line break',
      { mail: { to: ['a@b\r\nBcc: c@d'] } },
      'TROWEL_ERR_ERRORS_MAIL_TO',
    ],
    [
      'a sender with a line break',
      { mail: { to: ['a@b'], from: 'x@y\nBcc: z@w' } },
      'TROWEL_ERR_ERRORS_MAIL_FROM',
    ],
    [
      'a subject prefix with a line break',
      { mail: { to: ['a@b'], subjectPrefix: '[x]\r\n' } },
      'TROWEL_ERR_ERRORS_MAIL_SUBJECT_PREFIX',
    ],
    [
      'a transport that is a string',
      { mail: { to: ['a@b'], transport: 'smtp://x' } },
      'TROWEL_ERR_ERRORS_MAIL_TRANSPORT',
    ],
    [
      'a rate limit of zero',
      { mail: { to: ['a@b'], rateLimit: { max: 0 } } },
      'TROWEL_ERR_ERRORS_MAIL_RATE_LIMIT',
    ],
    [
      'a rate window that is not a number',
      { mail: { to: ['a@b'], rateLimit: { window: '1m' } } },
      'TROWEL_ERR_ERRORS_MAIL_RATE_LIMIT',
    ],
  ])('refuses %s when built', (_name, options, code) => {
    let thrown: unknown;
    try {
      errors(options as ErrorsOptions);
    } catch (error) {
      thrown = error;
    }
    expect(isConfigError(thrown)).toBe(true);
    expect((thrown as { code: string }).code).toBe(code);
  });

  it('accepts a ready transporter without loading nodemailer', () => {
    const transport = { sendMail: () => Promise.resolve() };
    expect(resolveOptions({ mail: { to: ['a@b'], transport } }).mail?.transport).toBe(transport);
  });
});
