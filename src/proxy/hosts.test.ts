import { describe, expect, it } from 'vitest';
import { isConfigError } from '../core/config-error.ts';
import { allowedHost, AllowList } from './hosts.ts';

describe('AllowList', () => {
  it.each([
    '',
    ' ',
    'a b',
    'a@b',
    'host:0',
    'host:70000',
    'name/8',
    '10.0.0.0/33',
    '[::1]/129',
    'x:y',
  ])('refuses the entry %j', (entry) => {
    let error: unknown;
    try {
      new AllowList([entry]);
    } catch (caught) {
      error = caught;
    }
    expect(isConfigError(error) && error.code).toBe('TROWEL_ERR_PROXY_ALLOW_HOSTS');
  });

  it.each([
    [['api.example'], 'api.example', 80, true],
    [['API.Example'], 'api.example', 80, true],
    [['api.example'], 'api.example', 8080, false],
    [['api.example:8080'], 'api.example', 8080, true],
    [['api.example:8080'], 'api.example', 80, false],
    [['api.example:*'], 'api.example', 22, true],
    [['api.example'], 'www.api.example', 80, false],
  ])('with %j, allows the name %s on port %i: %s', (entries, host, port, allowed) => {
    expect(new AllowList(entries).allowsName(host, port, 80)).toBe(allowed);
  });

  it.each([
    [['10.0.0.0/8'], '10.1.2.3', 80, true],
    [['10.0.0.0/8'], '11.0.0.1', 80, false],
    [['10.0.0.0/8'], '10.1.2.3', 8080, false],
    [['10.0.0.0/8:*'], '10.1.2.3', 8080, true],
    [['10.0.0.0/8:8080'], '10.1.2.3', 8080, true],
    [['127.0.0.1'], '127.0.0.1', 80, true],
    [['127.0.0.1'], '127.0.0.2', 80, false],
    [['0x7f.1'], '127.0.0.1', 80, true],
    [['fd00::/8'], 'fd12::1', 80, true],
    [['[fd00::]/8:*'], 'fd12::1', 9000, true],
    [['[::1]'], '::1', 80, true],
    [['[::1]:8080'], '::1', 80, false],
    [['127.0.0.0/8'], '::ffff:127.0.0.1', 80, true],
    [['127.0.0.0/8'], '::ffff:7f00:1', 80, true],
    [['127.0.0.0/8'], '::1', 80, false],
    [['::/0'], '10.0.0.1', 80, false],
  ])('with %j, allows the address %s on port %i: %s', (entries, address, port, allowed) => {
    expect(new AllowList(entries).allowsAddress(address, port, 80)).toBe(allowed);
  });
});

describe('allowedHost', () => {
  it('returns a listed name as it is', async () => {
    expect(await allowedHost(new AllowList(['localhost']), 'localhost', 80, 80)).toBe('localhost');
  });

  it('returns an allowed IPv6 literal with its brackets', async () => {
    expect(await allowedHost(new AllowList(['::1']), '[::1]', 80, 80)).toBe('[::1]');
  });

  it('resolves an unlisted name to the address a CIDR entry allows', async () => {
    expect(await allowedHost(new AllowList(['127.0.0.0/8']), 'localhost', 80, 80)).toBe(
      '127.0.0.1',
    );
  });

  it('refuses an unlisted name without resolving it when there is no address entry', async () => {
    expect(await allowedHost(new AllowList(['localhost']), 'internal', 80, 80)).toBeUndefined();
  });
});
