import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  acceptedLanguages,
  negotiateEncoding,
  negotiateLanguage,
  negotiateMediaType,
  parseAccept,
} from './negotiation.ts';

describe('parseAccept', () => {
  it('reads values, parameters and weights in header order', () => {
    expect(parseAccept('text/html;level=1, text/*;q=0.5, */*;q=0.1')).toEqual([
      { value: 'text/html', params: new Map([['level', '1']]), q: 1 },
      { value: 'text/*', params: new Map(), q: 0.5 },
      { value: '*/*', params: new Map(), q: 0.1 },
    ]);
  });

  it.each([
    ['q=1', 1],
    ['q=0', 0],
    ['q=0.001', 0.001],
    ['Q=0.5', 0.5],
    ['q=.5', 0.5],
    ['q=1.', 1],
    ['q=2', 1],
    ['q=1.5', 1],
    ['q = 0.5', 0.5],
  ])('reads the weight %s as %d', (weight, q) => {
    expect(parseAccept(`gzip;${weight}`)[0]?.q).toBe(q);
  });

  it.each(['q=abc', 'q=-1', 'q=', 'q=0x1', 'q=1e1', 'q=.', 'q="x"'])(
    'drops a member with the weight %s',
    (weight) => {
      expect(parseAccept(`gzip;${weight}, br`).map((e) => e.value)).toEqual(['br']);
    },
  );

  it.each([
    ['an empty member', 'gzip,, ,br', ['gzip', 'br']],
    ['a member with a space inside', 'gzip, b r', ['gzip']],
    ['a parameter without "="', 'text/html;level, text/plain', ['text/plain']],
    ['a member that is only parameters', ';q=1, br', ['br']],
    ['a member with three slashes', 'a/b/c, br', ['br']],
    ['an empty parameter', 'text/html;;charset=utf-8', ['text/html']],
  ])('copes with %s', (_, header, values) => {
    expect(parseAccept(header).map((e) => e.value)).toEqual(values);
  });

  it('keeps a comma inside a quoted parameter value', () => {
    expect(parseAccept('text/html;x="a,b";q=0.5')[0]).toEqual({
      value: 'text/html',
      params: new Map([['x', 'a,b']]),
      q: 0.5,
    });
  });

  it('ignores parameters after the weight', () => {
    expect(parseAccept('text/html;q=0.5;level=1')[0]?.params.size).toBe(0);
  });

  it('keeps the first of a repeated parameter', () => {
    expect(parseAccept('text/html;a=1;A=2')[0]?.params.get('a')).toBe('1');
  });

  it.each([null, undefined, ''])('gives an empty list for %j', (header) => {
    expect(parseAccept(header)).toEqual([]);
  });

  it('never throws and keeps every weight between 0 and 1', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (header) => {
        for (const entry of parseAccept(header)) {
          expect(entry.q).toBeGreaterThanOrEqual(0);
          expect(entry.q).toBeLessThanOrEqual(1);
        }
      }),
    );
  });

  it('never throws on list-shaped input', () => {
    const member = fc
      .tuple(
        fc.constantFrom('text/html', '*/*', 'gzip', 'en-US', '*', 'a/*', '*/b'),
        fc.array(fc.constantFrom(';q=0.5', ';q=2', ';level=1', ';x="a,b"', ';q=x', ';', '="')),
      )
      .map(([v, ps]) => v + ps.join(''));
    fc.assert(
      fc.property(fc.array(member), fc.constantFrom(',', ', ', ' ,'), (members, sep) => {
        expect(() => parseAccept(members.join(sep))).not.toThrow();
      }),
    );
  });
});

describe('negotiateMediaType', () => {
  const offered = ['text/html', 'application/json', 'text/plain'];

  it.each([
    ['an exact match', 'application/json', 'application/json'],
    ['the highest q', 'text/html;q=0.5, application/json', 'application/json'],
    ['a type wildcard', 'text/*', 'text/html'],
    ['the client order on equal q', 'text/plain, text/html', 'text/plain'],
    ['an exact range over a wildcard on equal q', '*/*, application/json', 'application/json'],
    ['the server order under */*', '*/*', 'text/html'],
    ['a case-insensitive type', 'Application/JSON', 'application/json'],
    ['the more specific range for the q', 'text/*;q=0.3, text/html;q=0.7, */*;q=0.5', 'text/html'],
    ['a wildcard at q=0 excluding', 'text/*;q=0, */*;q=0.1', 'application/json'],
    ['the specific range overriding a wildcard q=0', 'text/*;q=0, text/plain', 'text/plain'],
  ])('picks %s', (_, header, expected) => {
    expect(negotiateMediaType(header, offered)).toBe(expected);
  });

  it.each([
    ['nothing matches', 'image/png'],
    ['every match has q=0', 'text/html;q=0, application/json;q=0, text/plain;q=0'],
    ['*/* has q=0', '*/*;q=0'],
  ])('gives undefined when %s', (_, header) => {
    expect(negotiateMediaType(header, offered)).toBeUndefined();
  });

  // The example of RFC 9110 §12.5.1, whose q-values order the offers as listed here.
  const RFC_HEADER =
    'text/*;q=0.3, text/plain;q=0.7, text/plain;format=flowed, text/plain;format=fixed;q=0.4, */*;q=0.5';
  it.each([
    ['text/plain;format=flowed', 'text/plain'],
    ['text/plain', 'image/jpeg'],
    ['image/jpeg', 'text/plain;format=fixed'],
    ['text/plain;format=fixed', 'text/html'],
  ])('ranks %s above %s under the RFC 9110 example', (better, worse) => {
    expect(negotiateMediaType(RFC_HEADER, [worse, better])).toBe(better);
  });

  it('matches a range parameter only when the offer has it', () => {
    expect(negotiateMediaType('text/html;level=1', ['text/html'])).toBeUndefined();
    expect(negotiateMediaType('text/html;level=1', ['text/html;level=1'])).toBe(
      'text/html;level=1',
    );
  });

  it('compares charset case-insensitively and other parameters exactly', () => {
    expect(negotiateMediaType('text/html;charset=UTF-8', ['text/html;charset=utf-8'])).toBe(
      'text/html;charset=utf-8',
    );
    expect(negotiateMediaType('text/html;level=A', ['text/html;level=a'])).toBeUndefined();
  });

  it.each([null, undefined, '', 'garbage;;;', '*/html'])(
    'gives the first offer for the unusable header %j',
    (header) => {
      expect(negotiateMediaType(header, offered)).toBe('text/html');
    },
  );

  it('reads the Accept header of a request', () => {
    const request = new Request('http://x/', { headers: { accept: 'text/plain' } });
    expect(negotiateMediaType(request, offered)).toBe('text/plain');
  });

  it('returns the offer string as given', () => {
    expect(negotiateMediaType('text/html', ['Text/HTML; charset=utf-8'])).toBe(
      'Text/HTML; charset=utf-8',
    );
  });

  it('gives undefined for an empty offer list', () => {
    expect(negotiateMediaType('*/*', [])).toBeUndefined();
  });

  it.each(['html', 'text/*', '*/*', 'text/html;level'])(
    'throws a TypeError for the offer %j',
    (offer) => {
      expect(() => negotiateMediaType('*/*', [offer])).toThrow(TypeError);
    },
  );
});

describe('negotiateEncoding', () => {
  it.each([
    ['the highest q', 'gzip, br;q=0.9', ['br', 'gzip', 'identity'], 'gzip'],
    ['the server order on equal q', 'gzip, br', ['br', 'gzip'], 'br'],
    ['the server order on equal q, either way', 'br, gzip', ['gzip', 'br'], 'gzip'],
    ['identity when gzip has q=0', 'gzip;q=0', ['gzip', 'identity'], 'identity'],
    ['a coding matched by *', '*', ['br', 'identity'], 'br'],
    ['an explicit coding over *', '*;q=0.5, gzip;q=0.5', ['br', 'gzip'], 'gzip'],
    ['x-gzip as gzip', 'x-gzip', ['gzip', 'identity'], 'gzip'],
    ['x-compress as compress', 'x-compress', ['compress', 'identity'], 'compress'],
    ['case-insensitively', 'GZIP', ['gzip'], 'gzip'],
    ['a listed coding before implicit identity', 'gzip;q=0.1', ['identity', 'gzip'], 'gzip'],
    ['implicit identity when nothing else is acceptable', 'br', ['gzip', 'identity'], 'identity'],
    ['identity only for an empty header', '', ['gzip', 'identity'], 'identity'],
    ['identity named with a q', 'identity;q=0.5, gzip;q=0.4', ['gzip', 'identity'], 'identity'],
    ['identity matched by *', '*;q=0.5, gzip;q=0', ['gzip', 'identity'], 'identity'],
  ])('picks %s', (_, header, offered, expected) => {
    expect(negotiateEncoding(header, offered)).toBe(expected);
  });

  it.each([
    ['identity;q=0', 'identity;q=0', ['identity']],
    ['*;q=0 without identity', '*;q=0', ['gzip', 'identity']],
    ['*;q=0 and identity;q=0', 'gzip;q=0, *;q=0, identity;q=0', ['gzip', 'identity']],
    ['a coding not offered and no identity offer', 'br', ['gzip']],
  ])('gives undefined for %s', (_, header, offered) => {
    expect(negotiateEncoding(header, offered)).toBeUndefined();
  });

  it('prefers identity without an Accept-Encoding header', () => {
    expect(negotiateEncoding(new Request('http://x/'), ['gzip', 'identity'])).toBe('identity');
  });

  it('gives the first offer without a header when identity is not offered', () => {
    expect(negotiateEncoding(null, ['br', 'gzip'])).toBe('br');
  });

  it('reads the Accept-Encoding header of a request', () => {
    const request = new Request('http://x/', { headers: { 'accept-encoding': 'br' } });
    expect(negotiateEncoding(request, ['gzip', 'br'])).toBe('br');
  });

  it('ignores media-range-shaped members', () => {
    expect(negotiateEncoding('text/html, gzip', ['text/html', 'gzip'])).toBe('gzip');
  });

  it('never picks a coding the header gives q=0', () => {
    const coding = fc.constantFrom('gzip', 'br', 'deflate', 'zstd', 'identity', '*');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(coding, fc.constantFrom('', ';q=0', ';q=0.5', ';q=1'))),
        fc.subarray(['gzip', 'br', 'deflate', 'zstd', 'identity']),
        (members, offered) => {
          const header = members.map(([c, w]) => c + w).join(', ');
          const chosen = negotiateEncoding(header, offered);
          const first = members.find(([c]) => c === chosen);
          if (first) expect(first[1]).not.toBe(';q=0');
        },
      ),
    );
  });
});

describe('negotiateLanguage', () => {
  it.each([
    ['the highest q', 'fr-CH, fr;q=0.9, en;q=0.8', ['en', 'fr'], 'fr'],
    ['a prefix match', 'en', ['de', 'en-US'], 'en-US'],
    ['case-insensitively', 'EN-us', ['en-US'], 'en-US'],
    ['the longest matching range for the q', 'en;q=0.1, en-GB;q=0.9', ['en-US', 'en-GB'], 'en-GB'],
    ['* for anything', '*', ['de', 'fr'], 'de'],
    ['the client order on equal q', 'fr, de', ['de', 'fr'], 'fr'],
    ['a specific range over * at q=0', '*;q=0, de', ['fr', 'de'], 'de'],
  ])('picks %s', (_, header, offered, expected) => {
    expect(negotiateLanguage(header, offered)).toBe(expected);
  });

  it.each([
    ['a longer range than the tag', 'en-US', ['en']],
    ['a range that is a bare prefix without "-"', 'e', ['en']],
    ['q=0', 'en;q=0', ['en']],
    ['*;q=0 for the rest', 'fr, *;q=0', ['de']],
  ])('does not match %s', (_, header, offered) => {
    expect(negotiateLanguage(header, offered)).toBeUndefined();
  });

  it.each([null, '', 'not a language!, 123'])(
    'gives the first offer for the unusable header %j',
    (header) => {
      expect(negotiateLanguage(header, ['de', 'fr'])).toBe('de');
    },
  );

  it('reads the Accept-Language header of a request', () => {
    const request = new Request('http://x/', { headers: { 'accept-language': 'fr' } });
    expect(negotiateLanguage(request, ['de', 'fr'])).toBe('fr');
  });
});

describe('acceptedLanguages', () => {
  it('sorts by q, keeping the client order on ties, without * and q=0', () => {
    expect(acceptedLanguages('da, en-GB;q=0.8, en;q=0.8, fr;q=0, de;q=0.9, *;q=0.1')).toEqual([
      'da',
      'de',
      'en-GB',
      'en',
    ]);
  });

  it('reads the Accept-Language header of a request', () => {
    const request = new Request('http://x/', { headers: { 'accept-language': 'fr;q=0.5, de' } });
    expect(acceptedLanguages(request)).toEqual(['de', 'fr']);
  });

  it('gives an empty list without a header', () => {
    expect(acceptedLanguages(new Request('http://x/'))).toEqual([]);
  });
});
