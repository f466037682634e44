import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  asBool,
  asChoice,
  asDuration,
  asInt,
  asList,
  asPath,
  asSize,
  asString,
  checkKeys,
  makeSettings,
  numberedKeys,
  sectionWhere,
  settingWhere,
  warnSetting,
  type Settings,
} from './converters.ts';
import type { DeployError, DeployWarning } from './errors.ts';
import { closest, parseDuration, parseSize } from './values.ts';

const section = { file: '/srv/site.ini', section: 'server:main', line: 4 };

function settings(values: Record<string, string>): Settings {
  const sources = Object.fromEntries(
    Object.keys(values).map((key, index) => [key, { ...section, key, line: 5 + index }]),
  );
  return makeSettings(values, sources, { section });
}

function failure(run: () => unknown): DeployError {
  try {
    run();
  } catch (error) {
    return error as DeployError;
  }
  throw new Error('no error');
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('makeSettings', () => {
  it('makes a frozen record of strings that lists only its values', () => {
    const options = settings({ a: '1' });
    expect(Object.isFrozen(options)).toBe(true);
    expect({ ...options }).toEqual({ a: '1' });
    expect(Object.keys(options)).toEqual(['a']);
  });

  it('remembers where each value was written, and the section', () => {
    const options = settings({ a: '1' });
    expect(settingWhere(options, 'a')).toEqual({ ...section, key: 'a', line: 5 });
    expect(sectionWhere(options)).toEqual({ file: '/srv/site.ini', section: 'server:main' });
    expect(settingWhere(makeSettings({ a: '1' }), 'a')).toEqual({ file: 'the options', key: 'a' });
    expect(sectionWhere(makeSettings({}))).toEqual({ file: 'the options' });
  });
});

describe('asBool', () => {
  it.each(['true', 'Yes', 'ON', 'y', 't', '1', ' true '])('reads %j as true', (value) => {
    expect(asBool(settings({ debug: value }), 'debug', false)).toBe(true);
  });

  it.each(['false', 'No', 'off', 'n', 'F', '0'])('reads %j as false', (value) => {
    expect(asBool(settings({ debug: value }), 'debug', true)).toBe(false);
  });

  it('returns the fallback when the key is absent', () => {
    expect(asBool(settings({}), 'debug', true)).toBe(true);
    expect(asBool(settings({}), 'debug')).toBeUndefined();
  });

  it('names the file, line, section and key of a word it does not know', () => {
    const error = failure(() => asBool(settings({ debug: 'maybe' }), 'debug'));
    expect(error.code).toBe('TROWEL_ERR_DEPLOY_VALUE');
    expect(error.message).toBe(
      '/srv/site.ini:5 [server:main] debug: expected true or false (yes/no, on/off, 1/0), got "maybe"',
    );
  });
});

describe('asInt', () => {
  it.each([
    ['8080', 8080],
    [' 42 ', 42],
    ['-3', -3],
    ['+7', 7],
    ['1_000', 1000],
  ])('reads %j as %i', (value, expected) => {
    expect(asInt(settings({ n: value }), 'n')).toBe(expected);
  });

  it.each(['8080.5', 'eighty', '', '1e3', '0x10', '99999999999999999999'])(
    'rejects %j',
    (value) => {
      expect(failure(() => asInt(settings({ n: value }), 'n')).detail).toContain(
        'expected an integer',
      );
    },
  );

  it.each([
    [{ min: 0, max: 65_535 }, '70000', 'must be from 0 to 65535'],
    [{ min: 1 }, '0', 'must be at least 1'],
    [{ max: 9 }, '10', 'must be at most 9'],
  ])('checks the range %j', (range, value, detail) => {
    expect(failure(() => asInt(settings({ n: value }), 'n', range)).detail).toBe(
      `${detail}, got ${value}`,
    );
  });

  it('returns the fallback when absent', () => {
    expect(asInt(settings({}), 'n', { fallback: 3 })).toBe(3);
  });
});

describe('asSize', () => {
  it.each([
    ['512', 512],
    ['64k', 65_536],
    ['64 KB', 65_536],
    ['10m', 10_485_760],
    ['1.5 MiB', 1_572_864],
    ['2g', 2_147_483_648],
    ['1t', 1024 ** 4],
    ['0', 0],
    ['7b', 7],
  ])('reads %j as %i bytes', (value, expected) => {
    expect(asSize(settings({ s: value }), 's')).toBe(expected);
  });

  it.each(['ten', '10 parsecs', '-1k', '1e3'])('rejects %j', (value) => {
    expect(failure(() => asSize(settings({ s: value }), 's')).detail).toContain('expected a size');
  });

  it('checks the range and returns the fallback when absent', () => {
    expect(failure(() => asSize(settings({ s: '1m' }), 's', { max: 1024 })).detail).toContain(
      'at most 1024',
    );
    expect(asSize(settings({}), 's', { fallback: 9 })).toBe(9);
  });
});

describe('asDuration', () => {
  it.each([
    ['30', 30_000],
    ['1.5', 1500],
    ['250ms', 250],
    ['30s', 30_000],
    ['30 sec', 30_000],
    ['5m', 300_000],
    ['5min', 300_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
    ['1m 30s', 90_000],
  ])('reads %j as %i ms', (value, expected) => {
    expect(asDuration(settings({ t: value }), 't')).toBe(expected);
  });

  it('reads a bare number in the unit asked for', () => {
    expect(asDuration(settings({ t: '250' }), 't', { bareUnit: 'ms' })).toBe(250);
  });

  it.each(['soon', '5 fortnights', '-1s', 's'])('rejects %j', (value) => {
    expect(failure(() => asDuration(settings({ t: value }), 't')).detail).toContain(
      'expected a duration',
    );
  });

  it('returns the fallback when absent', () => {
    expect(asDuration(settings({}), 't', { fallback: 5 })).toBe(5);
  });
});

describe('asList', () => {
  it('splits on whitespace by default, as Paste did', () => {
    expect(asList(settings({ l: ' GET  POST\nPUT ' }), 'l')).toEqual(['GET', 'POST', 'PUT']);
  });

  it('splits on commas when asked, trimming items', () => {
    expect(asList(settings({ l: '/licenses, /about,,' }), 'l', { separator: 'comma' })).toEqual([
      '/licenses',
      '/about',
    ]);
  });

  it('returns a copy of the fallback when absent', () => {
    const fallback = ['a'];
    const result = asList(settings({}), 'l', { fallback });
    expect(result).toEqual(['a']);
    expect(result).not.toBe(fallback);
    expect(asList(settings({}), 'l')).toEqual([]);
  });
});

describe('asString', () => {
  it('returns a present value', () => {
    expect(asString(settings({ address: 'http://x/' }), 'address')).toBe('http://x/');
  });

  it('names the section of a missing key', () => {
    const error = failure(() => asString(settings({}), 'address', { what: 'the upstream URL' }));
    expect(error.code).toBe('TROWEL_ERR_DEPLOY_OPTION');
    expect(error.message).toBe(
      '/srv/site.ini [server:main] address: is required: the upstream URL',
    );
  });

  it('refuses an empty value unless allowed', () => {
    expect(failure(() => asString(settings({ a: '' }), 'a')).detail).toBe('must not be empty');
    expect(asString(settings({ a: '' }), 'a', { allowEmpty: true })).toBe('');
  });
});

describe('asChoice', () => {
  it('returns the choice as listed, whatever the case', () => {
    expect(asChoice(settings({ m: ' WARN ' }), 'm', ['strict', 'warn'], 'strict')).toBe('warn');
    expect(asChoice(settings({}), 'm', ['strict', 'warn'], 'strict')).toBe('strict');
  });

  it('lists the choices when the value is none of them', () => {
    expect(
      failure(() => asChoice(settings({ m: 'loud' }), 'm', ['strict', 'warn'], 'strict')).detail,
    ).toBe('expected one of strict, warn, got "loud"');
  });
});

describe('asPath', () => {
  it('resolves a relative path against the directory of the file the value is in', () => {
    expect(asPath(settings({ root: 'htdocs' }), 'root')).toBe('/srv/htdocs');
    expect(asPath(settings({ root: '../var/x' }), 'root')).toBe('/var/x');
  });

  it('keeps an absolute path and returns undefined when absent', () => {
    expect(asPath(settings({ root: '/abs' }), 'root')).toBe('/abs');
    expect(asPath(settings({}), 'root')).toBeUndefined();
  });

  it('resolves against the working directory when the place is not a file', () => {
    expect(asPath(makeSettings({ root: 'x' }), 'root')).toBe(`${process.cwd()}/x`);
  });
});

describe('checkKeys', () => {
  it('accepts known keys', () => {
    expect(() => {
      checkKeys(settings({ host: 'a', port: '1' }), ['host', 'port'], 'egg:Paste#http');
    }).not.toThrow();
  });

  it('names an unknown key and the closest known one', () => {
    const error = failure(() => {
      checkKeys(settings({ host: 'a', prot: '1' }), ['host', 'port'], 'egg:Paste#http');
    });
    expect(error.message).toBe(
      '/srv/site.ini:6 [server:main] prot: egg:Paste#http has no option "prot" (did you mean "port"?); it takes host, port',
    );
  });

  it('says when a factory takes no options at all', () => {
    expect(
      failure(() => {
        checkKeys(settings({ zzz: '1' }), [], 'x');
      }).detail,
    ).toBe('x has no option "zzz"; it takes no options');
  });
});

describe('numberedKeys', () => {
  it('orders app1, app2, app10 by number', () => {
    const options = settings({ app10: 'c', app2: 'b', app1: 'a', catch: '404' });
    expect(numberedKeys(options, 'app')).toEqual(['app1', 'app2', 'app10']);
  });

  it.each([
    [{ appx: 'a' }, '"appx" must be "app" followed by a number'],
    [{ app1: 'a', app01: 'b' }, '"app01" has the same number as "app1"'],
  ])('rejects %j', (values, detail) => {
    expect(failure(() => numberedKeys(settings(values), 'app')).detail).toContain(detail);
  });

  it('sorts any set of numbered keys numerically', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat({ max: 10_000 }), { maxLength: 20 }), (numbers) => {
        const values = Object.fromEntries(numbers.map((n) => [`app${n}`, 'x']));
        expect(numberedKeys(makeSettings(values), 'app')).toEqual(
          [...numbers].sort((a, b) => a - b).map((n) => `app${n}`),
        );
      }),
    );
  });
});

describe('warnSetting', () => {
  it('reports through the settings context', () => {
    const warnings: DeployWarning[] = [];
    const options = makeSettings(
      { a: '1' },
      { a: { ...section, key: 'a' } },
      { warn: (w) => warnings.push(w) },
    );
    warnSetting(options, 'a', 'TROWEL_WARN_X', 'ignored');
    expect(warnings).toEqual([
      {
        code: 'TROWEL_WARN_X',
        message: '/srv/site.ini:4 [server:main] a: ignored',
        where: { ...section, key: 'a' },
      },
    ]);
  });

  it('falls back to console.warn', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    warnSetting(makeSettings({ a: '1' }), 'a', 'TROWEL_WARN_X', 'ignored');
    expect(warn).toHaveBeenCalledWith('trowel: warning: the options a: ignored');
  });
});

describe('parsers and closest', () => {
  it('round-trips any whole number of kibibytes through parseSize', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1_000_000 }), (n) => {
        expect(parseSize(`${n}k`)).toBe(n * 1024);
      }),
    );
  });

  it('adds up the parts of a duration', () => {
    fc.assert(
      fc.property(fc.nat({ max: 99 }), fc.nat({ max: 59 }), fc.nat({ max: 59 }), (h, m, s) => {
        expect(parseDuration(`${h}h${m}m${s}s`)).toBe(((h * 60 + m) * 60 + s) * 1000);
      }),
    );
  });

  it('suggests only near words', () => {
    expect(closest('prot', ['port', 'host'])).toBe('port');
    expect(closest('completely', ['port', 'host'])).toBeUndefined();
  });
});
