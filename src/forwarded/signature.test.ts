import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isConfigError } from '../core/config-error.ts';
import {
  SIGNATURE_HEADER,
  secretSource,
  sign,
  verifySignature,
  type VerifyInput,
} from './signature.ts';

const secret = new TextEncoder().encode('0123456789abcdef-shared');
const now = 1_767_225_600_000;
const headers: [string, string][] = [
  ['X-Forwarded-For', '203.0.113.7'],
  ['x-wsgiproxy-str-0', 'REMOTE_USER bob'],
  ['accept', 'text/html'],
];
const signed = sign({
  method: 'post',
  authority: 'Backend:8080',
  target: '/app/a%20b?x=1',
  headers,
  secret,
  now,
  nonce: 'nonce-0000000001',
});
const base: VerifyInput = {
  signature: signed,
  method: 'POST',
  authority: 'backend:8080',
  target: '/app/a%20b?x=1',
  headers,
  secret,
  now,
};
const macOf = (value: string): string => value.slice(value.indexOf(' s=') + 3);
const withMac = (mac: string): string => `${signed.slice(0, signed.indexOf(' s=') + 3)}${mac}`;

describe('sign', () => {
  it('names the covered private headers, sorted, and a 32-byte base64url MAC', () => {
    expect(signed).toMatch(
      /^v1 t=1767225600 n=nonce-0000000001 h=x-forwarded-for,x-wsgiproxy-str-0 s=[A-Za-z0-9_-]{43}$/,
    );
  });

  it('does not cover the signature header itself', () => {
    const again = sign({
      ...base,
      headers: [...headers, [SIGNATURE_HEADER, 'v1 old']],
      nonce: 'nonce-0000000001',
    });
    expect(again).toBe(signed);
  });

  it('draws a fresh nonce per call by default', () => {
    const a = sign({ ...base, now });
    const b = sign({ ...base, now });
    expect(a.split(' ')[2]).not.toBe(b.split(' ')[2]);
  });

  it('refuses a nonce with spaces', () => {
    expect(() => sign({ ...base, nonce: 'has a space' })).toThrow(TypeError);
  });

  it('computes the MAC over the documented lines, the covered names among them', () => {
    const text = [
      'trowel-wsgiproxy-v1',
      'POST',
      'backend:8080',
      '/app/a%20b?x=1',
      '1767225600',
      'nonce-0000000001',
      'x-forwarded-for,x-wsgiproxy-str-0',
      'x-forwarded-for:203.0.113.7',
      'x-wsgiproxy-str-0:REMOTE_USER bob',
    ].join('\n');
    expect(macOf(signed)).toBe(createHmac('sha256', secret).update(text).digest('base64url'));
  });

  it.each([
    ['a LF in a covered value', ['x-forwarded-for', '203.0.113.7\nx-forwarded-host:evil']],
    ['a CR in a covered value', ['x-forwarded-for', '203.0.113.7\r']],
    ['a NUL in a covered value', ['x-forwarded-for', '203.0.113.7\0']],
    ['a colon in a covered name', ['x-forwarded-for:evil', '203.0.113.7']],
  ] as const)('throws a TypeError for %s', (_label, header) => {
    expect(() => sign({ ...base, headers: [header] })).toThrow(TypeError);
  });
});

describe('verifySignature', () => {
  it('accepts the signature it was given', () => {
    expect(verifySignature(base)).toEqual({
      ok: true,
      t: 1_767_225_600,
      nonce: 'nonce-0000000001',
      covered: ['x-forwarded-for', 'x-wsgiproxy-str-0'],
    });
  });

  it('still verifies when header order and name case change', () => {
    const reordered: [string, string][] = [
      ['Accept', 'text/html'],
      ['X-WSGIProxy-Str-0', 'REMOTE_USER bob'],
      ['x-forwarded-for', '203.0.113.7'],
    ];
    expect(verifySignature({ ...base, headers: reordered }).ok).toBe(true);
  });

  it('joins several values of one name in order', () => {
    const multi: [string, string][] = [
      ['x-forwarded-for', '198.51.100.1'],
      ['x-forwarded-for', '203.0.113.7'],
    ];
    const signature = sign({ ...base, headers: multi, nonce: 'nonce-0000000002' });
    const combined = new Headers(multi);
    expect(verifySignature({ ...base, signature, headers: combined }).ok).toBe(true);
  });

  it('rejects one flipped MAC byte', () => {
    const mac = Buffer.from(macOf(signed), 'base64url');
    mac[5] = (mac[5] ?? 0) ^ 0x01;
    expect(verifySignature({ ...base, signature: withMac(mac.toString('base64url')) })).toEqual({
      ok: false,
      reason: 'bad signature',
    });
  });

  it('rejects an equal-length wrong MAC', () => {
    const wrong = Buffer.alloc(32, 7).toString('base64url');
    expect(verifySignature({ ...base, signature: withMac(wrong) })).toEqual({
      ok: false,
      reason: 'bad signature',
    });
  });

  it.each([
    ['a short MAC', macOf(signed).slice(0, 20)],
    ['a long MAC', `${macOf(signed)}AAAA`],
    ['a MAC with characters outside base64url', `${macOf(signed).slice(0, 42)}+`],
  ])('rejects %s the same way as a wrong one', (_label, mac) => {
    expect(verifySignature({ ...base, signature: withMac(mac) })).toEqual({
      ok: false,
      reason: 'bad signature',
    });
  });

  it.each([
    ['stale', now + 301_000],
    ['from the future', now - 301_000],
  ])('rejects a time %s', (_label, at) => {
    expect(verifySignature({ ...base, now: at })).toEqual({
      ok: false,
      reason: 'signature time outside the allowed window',
    });
  });

  it('accepts a time just inside a custom window', () => {
    expect(verifySignature({ ...base, now: now + 29_000, maxSkew: 30 }).ok).toBe(true);
  });

  it('rejects a covered header added after signing', () => {
    const added: [string, string][] = [...headers, ['x-forwarded-proto', 'https']];
    expect(verifySignature({ ...base, headers: added })).toEqual({
      ok: false,
      reason: 'private headers differ from the signed set',
    });
  });

  it('rejects a covered header removed on the way', () => {
    expect(verifySignature({ ...base, headers: headers.slice(1) }).ok).toBe(false);
  });

  it.each([
    ['the method', { method: 'GET' }],
    ['the authority', { authority: 'other:8080' }],
    ['the target', { target: '/app/a%20b?x=2' }],
    ['a covered value', { headers: [['x-forwarded-for', '10.0.0.1'], headers[1], headers[2]] }],
    ['the secret', { secret: new TextEncoder().encode('another secret, long enough') }],
  ] as const)('rejects a change to %s', (_label, change) => {
    expect(verifySignature({ ...base, ...change } as VerifyInput).ok).toBe(false);
  });

  it.each([
    ['a LF', 'REMOTE_USER bob\nx'],
    ['a CR', 'REMOTE_USER bob\r'],
    ['a NUL', 'REMOTE_USER bob\0'],
  ])('rejects a covered value holding %s', (_label, value) => {
    const result = verifySignature({
      ...base,
      headers: [headers[0], ['x-wsgiproxy-str-0', value], headers[2]],
    } as VerifyInput);
    expect(result).toEqual({
      ok: false,
      reason: 'the x-wsgiproxy-str-0 header holds CR, LF or NUL',
    });
  });

  it('ignores a change to an uncovered header', () => {
    expect(
      verifySignature({
        ...base,
        headers: [headers[0], headers[1], ['accept', '*/*']],
      } as VerifyInput).ok,
    ).toBe(true);
  });

  it.each(['', 'v2 t=1 n=abcdefgh h= s=x', 'v1 t=x n=abcdefgh h= s=x', 'v1 t=1 n=short h= s=x'])(
    'rejects the malformed signature %j',
    (signature) => {
      expect(verifySignature({ ...base, signature })).toEqual({
        ok: false,
        reason: 'malformed signature',
      });
    },
  );
});

describe('secretSource', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trowel-secret-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const codeOf = (fn: () => unknown): string | undefined => {
    try {
      fn();
    } catch (error) {
      return isConfigError(error) ? error.code : 'not a ConfigError';
    }
    return undefined;
  };

  it('returns a literal string secret as UTF-8', async () => {
    const source = secretSource({ secret: 'a shared secret of some length' });
    expect(new TextDecoder().decode(await source.get())).toBe('a shared secret of some length');
  });

  it.each([
    ['neither', {}, 'TROWEL_ERR_FORWARDED_SECRET_SOURCE'],
    ['both', { secret: 'x'.repeat(16), secretFile: '/x' }, 'TROWEL_ERR_FORWARDED_SECRET_SOURCE'],
    ['a short secret', { secret: 'short' }, 'TROWEL_ERR_FORWARDED_SECRET_SHORT'],
    ['a missing file', { secretFile: '/nonexistent/secret' }, 'TROWEL_ERR_FORWARDED_SECRET_FILE'],
  ])('throws a ConfigError for %s', (_label, options, code) => {
    expect(codeOf(() => secretSource(options))).toBe(code);
  });

  it('throws a ConfigError for a file whose secret is short once its newline is trimmed', () => {
    const file = join(dir, 'short');
    writeFileSync(file, 'fifteen-bytes..\n');
    expect(codeOf(() => secretSource({ secretFile: file }))).toBe(
      'TROWEL_ERR_FORWARDED_SECRET_SHORT',
    );
  });

  it('trims a trailing newline from a secret file', async () => {
    const file = join(dir, 'newline');
    writeFileSync(file, 'file secret of enough length\r\n');
    const source = secretSource({ secretFile: file });
    expect(new TextDecoder().decode(await source.get())).toBe('file secret of enough length');
  });

  it('picks up a rotated secret file when its mtime changes', async () => {
    const file = join(dir, 'rotated');
    writeFileSync(file, 'first secret, long enough\n');
    utimesSync(file, 1_000, 1_000);
    const source = secretSource({ secretFile: file });
    expect(new TextDecoder().decode(await source.get())).toBe('first secret, long enough');
    writeFileSync(file, 'second secret, long enough\n');
    utimesSync(file, 2_000, 2_000);
    expect(new TextDecoder().decode(await source.get())).toBe('second secret, long enough');
  });

  it('keeps the secret while the file is unchanged', async () => {
    const file = join(dir, 'steady');
    writeFileSync(file, 'steady secret, long enough');
    const source = secretSource({ secretFile: file });
    const first = await source.get();
    expect(await source.get()).toBe(first);
  });

  it('rejects when a rotation leaves a short secret', async () => {
    const file = join(dir, 'shrunk');
    writeFileSync(file, 'long enough secret, at first');
    utimesSync(file, 1_000, 1_000);
    const source = secretSource({ secretFile: file });
    writeFileSync(file, 'tiny');
    utimesSync(file, 2_000, 2_000);
    await expect(source.get()).rejects.toThrow(/at least 16 bytes/);
  });
});
