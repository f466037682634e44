import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeployError, isDeployError } from './errors.ts';
import { parseIni, splitKeyLine } from './parser.ts';

const entries = (text: string, section: string): Record<string, string> =>
  Object.fromEntries(
    [...(parseIni(text, '/x/site.ini').sections.get(section)?.entries.values() ?? [])].map((e) => [
      e.key,
      e.raw,
    ]),
  );

function parseError(text: string): DeployError {
  try {
    parseIni(text, '/x/site.ini');
  } catch (error) {
    if (error instanceof DeployError) return error;
    throw error;
  }
  throw new Error('parsed without an error');
}

describe('parseIni', () => {
  it('reads sections and keys, keeping their order and case', () => {
    const file = parseIni('[app:Main]\nUse = egg:Paste#static\nDocument_Root = /srv\n', 'a.ini');
    expect([...file.sections.keys()]).toEqual(['app:Main']);
    expect(entries('[app:Main]\nUse = x\nuse = y\n', 'app:Main')).toEqual({ Use: 'x', use: 'y' });
  });

  it.each([
    ['key = value', 'key', 'value'],
    ['key: value', 'key', 'value'],
    ['key=value', 'key', 'value'],
    ['key :value', 'key', 'value'],
    ['key = a = b', 'key', 'a = b'],
    ['key: a = b', 'key', 'a = b'],
    ['key = a: b', 'key', 'a: b'],
    ['key =', 'key', ''],
    ['use = egg:Paste#http', 'use', 'egg:Paste#http'],
    ['set debug = true', 'set debug', 'true'],
    ['a = b ; not a comment', 'a', 'b ; not a comment'],
    ['a = b # not a comment', 'a', 'b # not a comment'],
    ['/ = site', '/', 'site'],
    ['domain api.example.com / = api', 'domain api.example.com /', 'api'],
  ])('splits %j at the first = or :', (line, key, value) => {
    expect(entries(`[s]\n${line}\n`, 's')).toEqual({ [key]: value });
  });

  it.each([
    ['http://a.example/x = app', 'http://a.example/x', 'app'],
    ['https://a.example:8443/x = app', 'https://a.example:8443/x', 'app'],
    ['HTTP://a.example/ = app', 'HTTP://a.example/', 'app'],
    ['http://a.example/x: app', 'http://a.example/x', 'app'],
  ])('reads a URL key %j whole instead of cutting it at its colon', (line, key, value) => {
    expect(entries(`[composite:main]\n${line}\n`, 'composite:main')).toEqual({ [key]: value });
  });

  it('joins continuation lines with newlines, keeping inner blank lines and dropping trailing ones', () => {
    const text = '[s]\nkey = first\n  second\n\n    third\n\n\nother = x\n';
    expect(entries(text, 's')).toEqual({ key: 'first\nsecond\n\nthird', other: 'x' });
  });

  it('skips comment lines inside a continued value', () => {
    expect(entries('[s]\nkey = a\n  # no\n  ; nor this\n  b\n', 's')).toEqual({ key: 'a\nb' });
  });

  it('treats a line indented no deeper than its key as a new key', () => {
    expect(entries('[s]\n  a = 1\n  b = 2\n    more\n', 's')).toEqual({ a: '1', b: '2\nmore' });
  });

  it('reads an indented line right after a header as a key', () => {
    expect(entries('[s]\n    a = 1\n', 's')).toEqual({ a: '1' });
  });

  it('skips # and ; comments and blank lines', () => {
    expect(entries('# top\n; top\n[s]\n# c\n\n  ; c\na = 1\n', 's')).toEqual({ a: '1' });
  });

  it('merges repeated [DEFAULT] blocks', () => {
    const file = parseIni('[DEFAULT]\na = 1\n[s]\nx = y\n[DEFAULT]\nb = 2\n', 'a.ini');
    expect([...file.defaults.keys()]).toEqual(['a', 'b']);
    expect([...file.sections.keys()]).toEqual(['s']);
  });

  it('accepts CRLF and CR line ends and a byte-order mark', () => {
    expect(entries('\uFEFF[s]\r\na = 1\r\nb = 2\rc = 3', 's')).toEqual({ a: '1', b: '2', c: '3' });
  });

  it('records the line of each key and section', () => {
    const file = parseIni('\n[s]\n\na = 1\n', 'a.ini');
    expect(file.sections.get('s')?.line).toBe(2);
    expect(file.sections.get('s')?.entries.get('a')?.line).toBe(4);
  });

  it.each([
    ['a = 1\n[s]\n', 1, undefined, 'comes before any [section]'],
    ['[s]\njust words\n', 2, 's', 'is not "key = value"'],
    ['[s]\n= value\n', 2, 's', 'has no key'],
    ['[s\na = 1\n', 1, undefined, 'no closing'],
    ['[s] trailing\n', 1, undefined, 'text after "]"'],
    ['[]\n', 1, undefined, 'section name is empty'],
    ['[s]\n[s]\n', 2, 's', 'already defined on line 1'],
  ])('rejects %j on line %i', (text, line, section, detail) => {
    const error = parseError(text);
    expect(error.code).toBe('TROWEL_ERR_DEPLOY_SYNTAX');
    expect(error.line).toBe(line);
    expect(error.section).toBe(section);
    expect(error.message).toContain(detail);
    expect(error.message.startsWith(`/x/site.ini:${line}`)).toBe(true);
  });

  it('rejects a key given twice in one section, naming both lines', () => {
    const error = parseError('[s]\na = 1\na = 2\n');
    expect(error).toMatchObject({ section: 's', key: 'a', line: 3 });
    expect(error.detail).toContain('line 2');
  });

  it('rejects a key given twice across two [DEFAULT] blocks', () => {
    expect(parseError('[DEFAULT]\na = 1\n[DEFAULT]\na = 2\n')).toMatchObject({ key: 'a' });
  });
});

describe('splitKeyLine', () => {
  it('returns undefined for a line without a delimiter', () => {
    expect(splitKeyLine('words only')).toBeUndefined();
    expect(splitKeyLine('http://a.example/x')).toBeUndefined();
  });
});

// ---- properties -------------------------------------------------------------------------------

const keyArb = fc
  .string({ minLength: 1, maxLength: 12, unit: fc.constantFrom(...'abcXYZ_-.09 /@$'.split('')) })
  .map((s) => s.trim())
  .filter((s) => s !== '' && !/^[[#;]/.test(s));
const lineArb = fc
  .string({ maxLength: 20, unit: fc.constantFrom(...'ab Z9=:#;%()[]/.'.split('')) })
  .map((s) => s.trim());
const valueArb = fc
  .tuple(
    lineArb,
    fc.array(
      lineArb.filter((s) => s !== '' && !/^[#;]/.test(s)),
      { maxLength: 3 },
    ),
  )
  .map(([first, rest]) => [first, ...rest]);
const sectionArb = fc.uniqueArray(fc.tuple(keyArb, valueArb), {
  selector: ([key]) => key,
  maxLength: 5,
});
const nameArb = fc
  .string({ minLength: 1, maxLength: 12, unit: fc.constantFrom(...'appfilter:main -_x'.split('')) })
  .map((s) => s.trim())
  .filter((s) => s !== '' && s !== 'DEFAULT');
const fileArb = fc.record({
  defaults: sectionArb,
  sections: fc.uniqueArray(fc.tuple(nameArb, sectionArb), {
    selector: ([name]) => name,
    maxLength: 4,
  }),
});

function serialize(
  defaults: readonly (readonly [string, readonly string[]])[],
  sections: readonly (readonly [string, readonly (readonly [string, readonly string[]])[]])[],
  delimiter: string,
  indent: string,
): string {
  const block = (name: string, items: readonly (readonly [string, readonly string[]])[]): string =>
    `[${name}]\n${items
      .map(([key, [first = '', ...rest]]) =>
        [`${key}${delimiter}${first}`, ...rest.map((line) => `${indent}${line}`)].join('\n'),
      )
      .join('\n')}\n`;
  return [block('DEFAULT', defaults), ...sections.map(([name, items]) => block(name, items))].join(
    '\n',
  );
}

describe('parseIni (properties)', () => {
  it('reads back what was written, whatever the delimiter and indentation', () => {
    fc.assert(
      fc.property(
        fileArb,
        fc.constantFrom(' = ', '=', ': ', ' : '),
        fc.constantFrom(' ', '\t', '    '),
        ({ defaults, sections }, delimiter, indent) => {
          const file = parseIni(serialize(defaults, sections, delimiter, indent), 'p.ini');
          const expected = (
            items: readonly (readonly [string, readonly string[]])[],
          ): [string, string][] => items.map(([key, lines]) => [key, lines.join('\n').trimEnd()]);
          expect([...file.defaults.values()].map((e) => [e.key, e.raw])).toEqual(
            expected(defaults),
          );
          expect([...file.sections.keys()]).toEqual(sections.map(([name]) => name));
          for (const [name, items] of sections) {
            const got = [...(file.sections.get(name)?.entries.values() ?? [])].map((e) => [
              e.key,
              e.raw,
            ]);
            expect(got).toEqual(expected(items));
          }
        },
      ),
    );
  });

  it('never fails on any text with anything but a DeployError naming a line', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'[]=:#; \n\tab%()'.split('')) }), (text) => {
        try {
          parseIni(text, 'p.ini');
        } catch (error) {
          expect(isDeployError(error)).toBe(true);
          expect((error as DeployError).line).toBeGreaterThan(0);
        }
      }),
    );
  });
});
