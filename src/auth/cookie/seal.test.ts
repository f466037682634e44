import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openValues, sealValues } from './seal.ts';

const secret = 'a secret of at least thirty-two bytes!';

describe('sealValues and openValues', () => {
  it('round-trips any string values before the expiry', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.string()),
        fc.integer({ min: 1, max: 2 ** 40 }),
        (values, expires) => {
          const opened = openValues(
            secret,
            'c',
            sealValues(secret, 'c', { values, expires }),
            expires - 1,
          );
          expect(opened?.expires).toBe(expires);
          expect({ ...opened?.values }).toEqual({ ...values });
        },
      ),
    );
  });

  it('refuses a value at its expiry', () => {
    expect(
      openValues(secret, 'c', sealValues(secret, 'c', { values: {}, expires: 10 }), 10),
    ).toBeUndefined();
  });

  it('keeps a "__proto__" entry as plain data', () => {
    const value = sealValues(secret, 'c', {
      values: JSON.parse('{"__proto__":"x"}') as Record<string, string>,
      expires: 10,
    });
    const opened = openValues(secret, 'c', value, 0);
    expect(Object.getPrototypeOf(opened?.values)).toBeNull();
    expect(Object.hasOwn(opened?.values ?? {}, '__proto__')).toBe(true);
  });

  it('drops entries that are not strings from a validly signed payload', () => {
    const payload = Buffer.from(JSON.stringify({ e: 10, v: { a: 1, b: 'x' } })).toString(
      'base64url',
    );
    const mac = createHmac('sha256', secret).update(`c\0${payload}`).digest('base64url');
    expect(openValues(secret, 'c', `${payload}.${mac}`, 0)).toEqual({
      values: { b: 'x' },
      expires: 10,
    });
  });

  it.each([
    ['an array payload', []],
    ['a fractional expiry', { e: 10.5, v: {} }],
    ['values that are an array', { e: 10, v: ['x'] }],
  ])('refuses %s even when signed', (_name, body) => {
    const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
    const mac = createHmac('sha256', secret).update(`c\0${payload}`).digest('base64url');
    expect(openValues(secret, 'c', `${payload}.${mac}`, 0)).toBeUndefined();
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        expect(openValues(secret, 'c', value, 0)).toBeUndefined();
      }),
    );
  });
});

describe('the MAC', () => {
  it('accepts only its exact spelling, not another that decodes to the same bytes', () => {
    const sealed = sealValues('s'.repeat(32), 'n', { values: { a: 'b' }, expires: 2_000 });
    const last = sealed.at(-1) ?? '';
    // The last base64url character carries 2 unused bits: flipping the lowest one decodes alike.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = alphabet[alphabet.indexOf(last) ^ 1] ?? last;
    const forged = sealed.slice(0, -1) + twin;
    expect(Buffer.from(forged.split('.')[1] ?? '', 'base64url')).toEqual(
      Buffer.from(sealed.split('.')[1] ?? '', 'base64url'),
    );
    expect(openValues('s'.repeat(32), 'n', forged, 1_000)).toBeUndefined();
    expect(openValues('s'.repeat(32), 'n', sealed, 1_000)).toBeDefined();
  });
});
