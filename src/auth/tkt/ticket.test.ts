import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTicket, ipBytes, verifyTicket, type TicketDigest } from './ticket.ts';

const secret = 'shared_secret';
const base = { secret, user: 'username', tokens: ['admin'], timestamp: 1579782607 } as const;

describe('createTicket', () => {
  // Known answers from Paste's tests/test_auth/test_auth_tkt.py (md5, sha512) and Paste 3.5.2 (sha256).
  it.each<[TicketDigest, string]>([
    ['md5', '731274bec45f6983c1f33bac8e8baf435e2991cfusername!admin!'],
    [
      'sha256',
      '83df960e1a893a59046db3d527caa188da946dd54e3084beb245652154db0fcf5e2991cfusername!admin!',
    ],
    [
      'sha512',
      '09e72a63c57ca4cfeca5fa578646deb2b27f7a461d91ad9aa32b85c93ef6fa7744ac006eb3d9a71a36375b5ab50cbae072bb3042e2a59198b7f314900cba44235e2991cfusername!admin!',
    ],
  ])('matches Paste AuthTicket.cookie_value() with %s', (digest, expected) => {
    expect(createTicket({ ...base, digest })).toBe(expected);
  });

  it('quotes the user id as Paste does while the digest covers the raw id', () => {
    expect(createTicket({ ...base, user: 'user name@x', tokens: ['a', 'b'], userData: 'd' })).toBe(
      '045d4f1603f64840cbb2c9e5743bfaac05861901a0d37c9f343ad7b69f727dd65e2991cfuser%20name%40x!a,b!d',
    );
  });

  it('leaves out the tokens section when there are no tokens', () => {
    expect(createTicket({ ...base, tokens: [], userData: 'x' })).toMatch(
      /^[0-9a-f]{64}5e2991cfusername!x$/,
    );
  });

  it.each([
    ['an empty user', { user: '' }],
    ['a user with a newline', { user: 'a\nb' }],
    ['a token with a comma', { tokens: ['a,b'] }],
    ['a token with "!"', { tokens: ['a!'] }],
    ['an empty token', { tokens: [''] }],
    ['user data with "!"', { userData: 'a!b' }],
    ['a negative timestamp', { timestamp: -1 }],
    ['a timestamp past 2^32-1', { timestamp: 2 ** 32 }],
    ['an IPv6 address', { ip: '2001:db8::1' }],
  ])('refuses %s', (_name, change) => {
    expect(() => createTicket({ ...base, ...change })).toThrow(TypeError);
  });
});

describe('verifyTicket', () => {
  const ticket = createTicket({ ...base, userData: 'data' });

  it('reads back what createTicket wrote', () => {
    expect(verifyTicket(ticket, { secret })).toEqual({
      user: 'username',
      tokens: ['admin'],
      userData: 'data',
      timestamp: 1579782607,
    });
  });

  it.each([
    ['the user id', ticket.replace('username', 'usernamf')],
    ['the tokens', ticket.replace('admin', 'admim')],
    ['the user data', ticket.replace('!data', '!datb')],
    ['the timestamp', ticket.replace('5e2991cf', '5e2991d0')],
    ['the digest', `0${ticket.slice(1)}`],
    ['the digest length', ticket.slice(1)],
    ['the tokens moved into the data', ticket.replace('admin!data', 'admin,data')],
  ])('rejects a ticket with a changed %s', (_name, tampered) => {
    expect(tampered).not.toBe(ticket);
    expect(verifyTicket(tampered, { secret })).toBeUndefined();
  });

  it('rejects a ticket made with another secret', () => {
    expect(verifyTicket(ticket, { secret: 'other_secret' })).toBeUndefined();
  });

  it('rejects a ticket made with another digest algorithm', () => {
    expect(verifyTicket(createTicket({ ...base, digest: 'md5' }), { secret })).toBeUndefined();
  });

  it('rejects a ticket bound to another address', () => {
    const bound = createTicket({ ...base, ip: '192.0.2.1' });
    expect(verifyTicket(bound, { secret, ip: '192.0.2.1' })?.user).toBe('username');
    expect(verifyTicket(bound, { secret, ip: '192.0.2.2' })).toBeUndefined();
    expect(verifyTicket(bound, { secret })).toBeUndefined();
  });

  it('treats an IPv4-mapped IPv6 peer as its IPv4 address', () => {
    const bound = createTicket({ ...base, ip: '192.0.2.1' });
    expect(verifyTicket(bound, { secret, ip: '::ffff:192.0.2.1' })?.user).toBe('username');
  });

  it('rejects any ticket for a pure IPv6 peer when bound to addresses', () => {
    expect(verifyTicket(ticket, { secret, ip: '2001:db8::1' })).toBeUndefined();
  });

  it.each([
    '',
    'garbage',
    ticket.slice(0, 72),
    `${ticket.slice(0, 64)}zzzzzzzzuser!`,
    `${ticket.slice(0, 72)}!x`,
  ])('rejects the malformed ticket %j', (bad) => {
    expect(verifyTicket(bad, { secret })).toBeUndefined();
  });

  it('round-trips any user, tokens and data the format can carry', () => {
    const token = fc.stringMatching(/^[^,!\p{Cc}]+$/u);
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }).filter((s) => !/\p{Cc}/u.test(s) && s.isWellFormed()),
        fc.array(token, { maxLength: 3 }),
        fc.stringMatching(/^[^!\p{Cc}]*$/u),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.constantFrom<TicketDigest>('md5', 'sha256', 'sha512'),
        (user, tokens, userData, timestamp, digest) => {
          const made = createTicket({ secret, user, tokens, userData, timestamp, digest });
          expect(verifyTicket(made, { secret, digest })).toEqual({
            user,
            tokens,
            userData,
            timestamp,
          });
        },
      ),
    );
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(verifyTicket(s, { secret })).toBeUndefined();
      }),
    );
  });
});

describe('ipBytes', () => {
  it('encodes a dotted quad as 4 bytes', () => {
    expect([...ipBytes('192.0.2.255')]).toEqual([192, 0, 2, 255]);
  });
});
