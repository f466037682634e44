import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeHtml } from '../../core/escape.ts';
import { CasProtocolError, parseServiceResponse, parseValidateText } from './response.ts';

const NS = 'xmlns:cas="http://www.yale.edu/tp/cas"';
const success = (inner: string, prefix = 'cas'): string =>
  `<${prefix}:serviceResponse xmlns:${prefix}="http://www.yale.edu/tp/cas">` +
  `<${prefix}:authenticationSuccess>${inner}</${prefix}:authenticationSuccess>` +
  `</${prefix}:serviceResponse>`;

describe('parseValidateText', () => {
  it.each([
    ['yes\ntest\n', { ok: true, user: 'test' }],
    ['yes\r\nalice\r\n', { ok: true, user: 'alice' }],
    ['no\n', { ok: false, code: 'INVALID_TICKET' }],
    ['no\n\n', { ok: false }],
  ])('reads %j', (text, expected) => {
    expect(parseValidateText(text)).toMatchObject(expected);
  });

  it.each(['', 'yes\n\n', 'yes', 'YES\ntest\n', '<html>error</html>', ' yes\ntest\n'])(
    'refuses %j as not a CAS 1.0 answer',
    (text) => {
      expect(() => parseValidateText(text)).toThrow(CasProtocolError);
    },
  );
});

describe('parseServiceResponse', () => {
  it('reads the user of a success', () => {
    expect(parseServiceResponse(success('<cas:user>test</cas:user>'))).toMatchObject({
      ok: true,
      user: 'test',
    });
  });

  it('matches elements by local name whatever the namespace prefix', () => {
    expect(parseServiceResponse(success('<x:user>bob</x:user>', 'x'))).toMatchObject({
      user: 'bob',
    });
  });

  it.each([
    ['an entity', '<cas:user>a&amp;b</cas:user>', 'a&b'],
    ['CDATA', '<cas:user><![CDATA[<b>]]></cas:user>', '<b>'],
    ['surrounding white space', '<cas:user>\n  carol\n</cas:user>', 'carol'],
  ])('decodes a user name with %s', (_what, inner, user) => {
    expect(parseServiceResponse(success(inner))).toMatchObject({ user });
  });

  it('reads CAS 3.0 attributes, keeping every value of a repeated one', () => {
    const outcome = parseServiceResponse(
      success(
        '<cas:user>u</cas:user><cas:attributes><cas:mail>m@x</cas:mail>' +
          '<cas:group>a</cas:group><cas:group>b</cas:group></cas:attributes>',
      ),
    );
    expect(outcome.ok && [...outcome.attributes]).toEqual([
      ['mail', ['m@x']],
      ['group', ['a', 'b']],
    ]);
  });

  it('reads name/value attributes without doubling those also given as elements', () => {
    const outcome = parseServiceResponse(
      success(
        '<cas:user>u</cas:user><cas:attributes><cas:mail>m@x</cas:mail></cas:attributes>' +
          '<cas:attribute name="mail" value="m@x"/><cas:attribute name="ou" value="it"/>',
      ),
    );
    expect(outcome.ok && Object.fromEntries(outcome.attributes)).toEqual({
      mail: ['m@x'],
      ou: ['it'],
    });
  });

  it('reads the code and message of a failure', () => {
    const xml =
      `<cas:serviceResponse ${NS}><cas:authenticationFailure code="INVALID_SERVICE">` +
      ' wrong service </cas:authenticationFailure></cas:serviceResponse>';
    expect(parseServiceResponse(xml)).toEqual({
      ok: false,
      code: 'INVALID_SERVICE',
      message: 'wrong service',
    });
  });

  it.each([
    ['an HTML page', '<html><body>down for maintenance</body></html>'],
    ['an empty body', ''],
    ['a response with neither outcome', `<cas:serviceResponse ${NS}/>`],
    ['a success without a user', success('<cas:attributes/>')],
    ['a success with an empty user', success('<cas:user> </cas:user>')],
  ])('refuses %s', (_what, xml) => {
    expect(() => parseServiceResponse(xml)).toThrow(CasProtocolError);
  });

  it('gives back any user name the server escaped', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }).filter((s) => s.trim() === s && s !== ''),
        (user) => {
          const outcome = parseServiceResponse(success(`<cas:user>${escapeHtml(user)}</cas:user>`));
          expect(outcome).toMatchObject({ ok: true, user });
        },
      ),
    );
  });

  it('either reads or refuses arbitrary text, never failing otherwise', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          parseServiceResponse(text);
        } catch (error) {
          expect(error).toBeInstanceOf(CasProtocolError);
        }
      }),
    );
  });
});
