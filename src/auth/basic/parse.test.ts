import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseBasic } from './parse.ts';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

describe('parseBasic()', () => {
  it('decodes the RFC 7617 §2.1 UTF-8 example', () => {
    expect(parseBasic('Basic dGVzdDoxMjPCow==')).toEqual({
      kind: 'present',
      user: 'test',
      password: '123£',
    });
  });

  it('splits at the first colon, so a password may contain colons', () => {
    expect(parseBasic(`basic ${b64('a:b:c')}`)).toMatchObject({ user: 'a', password: 'b:c' });
  });

  it('normalizes user and password to NFC', () => {
    expect(parseBasic(`Basic ${b64('e\u0301:e\u0301')}`)).toMatchObject({
      user: '\u00e9',
      password: '\u00e9',
    });
  });

  it.each([null, 'Bearer abc', 'Digest username="a"'])('treats %j as absent', (field) => {
    expect(parseBasic(field).kind).toBe('absent');
  });

  it.each([
    ['the bare scheme', 'Basic'],
    ['no space after the scheme', 'BasicdzpwOg=='],
    ['bad base64', 'Basic !!!!'],
    ['wrong padding', 'Basic YTpi='],
    ['no colon', `Basic ${b64('nocolon')}`],
    ['a control character', `Basic ${b64('a\u0001:b')}`],
    ['bytes that are not UTF-8', `Basic ${Buffer.from([0x61, 0x3a, 0xff]).toString('base64')}`],
    ['an empty field', ''],
  ])('reports %s as malformed', (_name, field) => {
    expect(parseBasic(field).kind).toBe('malformed');
  });

  it('reads bytes that are not UTF-8 as ISO-8859-1 when UTF-8 is not required', () => {
    const field = `Basic ${Buffer.from([0x61, 0x3a, 0xa3]).toString('base64')}`;
    expect(parseBasic(field, false)).toMatchObject({ user: 'a', password: '£' });
  });

  it('never throws and round-trips what it is given', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes(':')),
        fc.string(),
        (user, password) => {
          const parsed = parseBasic(`Basic ${b64(`${user}:${password}`)}`);
          if (parsed.kind === 'present') {
            expect(parsed.user).toBe(user.normalize('NFC'));
            expect(parsed.password).toBe(password.normalize('NFC'));
          } else {
            expect(parsed.kind).toBe('malformed');
          }
        },
      ),
    );
    fc.assert(
      fc.property(fc.string(), (field) => {
        expect(['absent', 'malformed', 'present']).toContain(parseBasic(field).kind);
      }),
    );
  });
});
