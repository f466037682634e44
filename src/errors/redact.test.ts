import { describe, expect, it } from 'vitest';
import { resolveOptions } from './options.ts';
import { describeValue, redactHeaders, redactUrl, redactValue } from './redact.ts';

const { isSecret } = resolveOptions({ redact: ['x-tenant', /^private-/i] });

describe('the default secret names', () => {
  it.each([
    ['authorization', true],
    ['Cookie', true],
    ['proxy-authorization', true],
    ['set-cookie', true],
    ['x-api-key', true],
    ['db_password', true],
    ['PASSWD', true],
    ['clientSecret', true],
    ['csrf-token', true],
    ['api_key', true],
    ['credentials', true],
    ['x-tenant', true],
    ['Private-Note', true],
    ['accept', false],
    ['user', false],
    ['host', false],
  ])('says %s is secret: %s', (name, expected) => {
    expect(isSecret(name)).toBe(expected);
  });
});

describe('redactUrl()', () => {
  it.each([
    ['http://a/p?token=abc&page=2', 'http://a/p?token=[redacted]&page=2'],
    ['http://a/p?page=2&Access%5FToken=abc', 'http://a/p?page=2&Access%5FToken=[redacted]'],
    ['http://a/p?q=a+b&flag', 'http://a/p?q=a+b&flag'],
    ['http://ann:pw@a/p', 'http://ann:redacted@a/p'],
    ['not a url', 'not a url'],
  ])('masks %s', (url, expected) => {
    expect(redactUrl(url, isSecret)).toBe(expected);
  });
});

describe('redactHeaders()', () => {
  it('masks secret fields and keeps Set-Cookie fields apart', () => {
    const headers = new Headers([
      ['accept', 'text/html'],
      ['authorization', 'Basic YTpi'],
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
    ]);
    expect(redactHeaders(headers, isSecret)).toEqual([
      ['accept', 'text/html'],
      ['authorization', '[redacted]'],
      ['set-cookie', '[redacted]'],
      ['set-cookie', '[redacted]'],
    ]);
  });
});

describe('redactValue()', () => {
  it('masks secret properties at any depth and keeps the rest', () => {
    const value = { user: 'ann', db: { host: 'h', password: 'pw' }, list: [{ token: 't' }] };
    expect(redactValue(value, isSecret)).toEqual({
      user: 'ann',
      db: { host: 'h', password: '[redacted]' },
      list: [{ token: '[redacted]' }],
    });
  });

  it('copies a cycle without looping', () => {
    const value: Record<string, unknown> = { name: 'loop' };
    value['self'] = value;
    const copy = redactValue(value, isSecret) as Record<string, unknown>;
    expect(copy['self']).toBe(copy);
  });

  it('keeps the class of an instance', () => {
    class Settings {
      secret = 's';
      mode = 'fast';
    }
    expect(describeValue(new Settings(), isSecret)).toBe(
      "Settings { secret: '[redacted]', mode: 'fast' }",
    );
  });

  it('shows a getter that throws instead of throwing', () => {
    const value = {
      get broken(): string {
        throw new Error('no');
      },
    };
    expect(describeValue(value, isSecret)).toBe("{ broken: '[getter threw Error: no]' }");
  });

  it('cuts a long value', () => {
    expect(describeValue('x'.repeat(50), isSecret, 10)).toBe('"xxxxxxxxx… (42 more characters)');
  });
});
