import { describe, expect, it } from 'vitest';
import { isConfigError } from '../../core/config-error.ts';
import { Context } from '../../core/context.ts';
import type { Handler, Middleware } from '../../core/handler.ts';
import { AUTH_TYPE, REMOTE_USER } from '../../core/keys.ts';
import { TestApp } from '../../testing/index.ts';
import { grantIp, pasteGrantRule, REMOTE_USER_TOKENS, type GrantIpOptions } from './index.ts';

const app: Handler = (_request, ctx) =>
  Response.json({
    user: ctx.get(REMOTE_USER) ?? null,
    type: ctx.get(AUTH_TYPE) ?? null,
    roles: ctx.get(REMOTE_USER_TOKENS) ?? null,
  });

interface Seen {
  user: string | null;
  type: string | null;
  roles: string[] | null;
}

async function ask(options: GrantIpOptions, remoteAddr: string, outer?: (ctx: Context) => void) {
  // lint rightly warns about an empty remoteAddr, which one case here sends on purpose.
  const client = new TestApp(grantIp(options)(app), { lint: remoteAddr !== '' });
  const res = await client.get('/', {
    extraContext: { remoteAddr },
    ...(outer ? { context: outer } : {}),
  });
  return res.json as Seen;
}

describe('grantIp(): Paste’s own test', () => {
  const options: GrantIpOptions = {
    rules: [
      ['127.0.0.1', pasteGrantRule('-:system')],
      ['192.168.0.0/16', pasteGrantRule('-:worker')],
      ['192.168.0.5<->192.168.0.8', pasteGrantRule('bob:editor')],
      ['192.168.0.8', pasteGrantRule('__remove__:-worker')],
    ],
  };

  it.each<[string, string | null, string[]]>([
    ['127.0.0.1', null, ['system']],
    ['192.168.15.12', null, ['worker']],
    ['192.168.0.4', null, ['worker']],
    ['192.168.0.5', 'bob', ['worker', 'editor']],
    ['192.168.0.8', null, ['editor']],
  ])('grants %s user %s and roles %j', async (address, user, roles) => {
    expect(await ask(options, address)).toMatchObject({ user, roles });
  });
});

describe('grantIp(): matching', () => {
  const rules: GrantIpOptions['rules'] = {
    '10.0.0.7': { user: 'exact' },
    '10.1.0.0/16': { user: 'cidr' },
    '10.2.0.0/255.255.0.0': { user: 'mask' },
    '10.3.0.1-10.3.0.9': { user: 'range' },
    '2001:db8::1': { user: 'v6' },
    '2001:db8:42::/48': { user: 'v6cidr' },
    '::ffff:10.4.0.0/112': { user: 'mapped-rule' },
    'fe80::/10': { user: 'link-local' },
  };

  it.each<[string, string | null]>([
    ['10.0.0.7', 'exact'],
    ['10.0.0.70', null],
    ['10.1.255.3', 'cidr'],
    ['10.11.0.1', null],
    ['10.2.9.9', 'mask'],
    ['10.3.0.9', 'range'],
    ['10.3.0.10', null],
    ['2001:db8::1', 'v6'],
    ['2001:0db8:0000::0001', 'v6'],
    ['2001:db8:42:ffff::9', 'v6cidr'],
    ['2001:db8:43::1', null],
    ['::ffff:10.1.2.3', 'cidr'],
    ['10.4.1.1', 'mapped-rule'],
    ['fe80::1%eth0', 'link-local'],
    ['', null],
    ['not-an-address', null],
  ])('gives %j the user %s', async (address, user) => {
    expect((await ask({ rules }, address)).user).toBe(user);
  });

  it('compares whole addresses, not string prefixes', async () => {
    // Paste-era prefix matching let 10.0.0.70 pass for 10.0.0.7.
    expect(await ask({ rules: { '10.0.0.7': { roles: ['x'] } } }, '10.0.0.70')).toEqual({
      user: null,
      type: null,
      roles: null,
    });
  });

  it('sets AUTH_TYPE to grantip with the user', async () => {
    expect(await ask({ rules }, '10.0.0.7')).toEqual({ user: 'exact', type: 'grantip', roles: [] });
  });

  it('applies the roles of every matching rule, not only the last', async () => {
    const seen = await ask(
      {
        rules: [
          ['10.0.0.0/8', { roles: ['staff', 'staff'] }],
          ['10.9.0.0/16', { roles: ['ops'] }],
          ['10.9.9.9', { user: 'robot' }],
        ],
      },
      '10.9.9.9',
    );
    expect(seen).toEqual({ user: 'robot', type: 'grantip', roles: ['staff', 'ops'] });
  });

  it('adds to the roles an outer middleware gave and removes with -role', async () => {
    const seen = await ask({ rules: { '10.0.0.1': { roles: ['b', '-a'] } } }, '10.0.0.1', (ctx) =>
      ctx.set(REMOTE_USER_TOKENS, ['a', 'c']),
    );
    expect(seen.roles).toEqual(['c', 'b']);
  });
});

describe('grantIp(): an existing user', () => {
  const signedIn = (ctx: Context): void => {
    ctx.set(REMOTE_USER, 'alice');
    ctx.set(AUTH_TYPE, 'Basic');
  };

  it.each<[string, boolean | undefined, string, string]>([
    ['keeps it by default', undefined, 'alice', 'Basic'],
    ['keeps it with clobber: false', false, 'alice', 'Basic'],
    ['replaces it with clobber: true', true, 'robot', 'grantip'],
  ])('%s', async (_what, clobber, user, type) => {
    const options = {
      rules: { '10.0.0.1': { user: 'robot' } },
      ...(clobber === undefined ? {} : { clobber }),
    };
    expect(await ask(options, '10.0.0.1', signedIn)).toMatchObject({ user, type });
  });

  it('keeps the first matching rule’s user without clobber, the last with it', async () => {
    const rules: GrantIpOptions['rules'] = [
      ['10.0.0.0/8', { user: 'first' }],
      ['10.0.0.1', { user: 'second' }],
    ];
    expect((await ask({ rules }, '10.0.0.1')).user).toBe('first');
    expect((await ask({ rules, clobber: true }, '10.0.0.1')).user).toBe('second');
  });

  it('removes it with user: false', async () => {
    const seen = await ask({ rules: { '10.0.0.1': { user: false } } }, '10.0.0.1', signedIn);
    expect(seen).toMatchObject({ user: null, type: null });
  });

  it('leaves the context of middleware outside it untouched', async () => {
    let outerUser: string | undefined = 'unset';
    const outer: Middleware = (next) => async (request, ctx) => {
      const res = await next(request, ctx);
      outerUser = ctx.get(REMOTE_USER);
      return res;
    };
    const client = new TestApp(outer(grantIp({ rules: { '10.0.0.1': { user: 'robot' } } })(app)));
    const res = await client.get('/', { extraContext: { remoteAddr: '10.0.0.1' } });
    expect((res.json as Seen).user).toBe('robot');
    expect(outerUser).toBeUndefined();
  });

  it('passes the same context on when no rule matches', async () => {
    let inner: Context | undefined;
    const handler = grantIp({ rules: { '10.0.0.1': { user: 'robot' } } })((_r, ctx) => {
      inner = ctx;
      return new Response('ok');
    });
    const ctx = new Context('http://x/', { remoteAddr: '10.0.0.2' });
    await handler(new Request('http://x/'), ctx);
    expect(inner).toBe(ctx);
  });
});

describe('grantIp(): options', () => {
  it.each<[string, unknown, string]>([
    ['no rules', {}, 'TROWEL_ERR_AUTH_GRANTIP_OPTIONS'],
    ['a rule that is not a pair', { rules: [['10.0.0.1']] }, 'TROWEL_ERR_AUTH_GRANTIP_OPTIONS'],
    [
      'a clobber that is a string',
      { rules: {}, clobber: 'yes' },
      'TROWEL_ERR_AUTH_GRANTIP_OPTIONS',
    ],
    ['a host name', { rules: { 'intranet.example': {} } }, 'TROWEL_ERR_AUTH_GRANTIP_RULE'],
    ['a prefix too long', { rules: { '10.0.0.0/33': {} } }, 'TROWEL_ERR_AUTH_GRANTIP_RULE'],
    [
      'a non-contiguous mask',
      { rules: { '10.0.0.0/255.0.255.0': {} } },
      'TROWEL_ERR_AUTH_GRANTIP_RULE',
    ],
    ['a reversed range', { rules: { '10.0.0.9-10.0.0.1': {} } }, 'TROWEL_ERR_AUTH_GRANTIP_RULE'],
    ['a mixed-family range', { rules: { '10.0.0.1-::1': {} } }, 'TROWEL_ERR_AUTH_GRANTIP_RULE'],
    ['an octet above 255', { rules: { '10.0.0.256': {} } }, 'TROWEL_ERR_AUTH_GRANTIP_RULE'],
    ['an empty user', { rules: { '10.0.0.1': { user: '' } } }, 'TROWEL_ERR_AUTH_GRANTIP_RULE'],
    [
      'a user that is true',
      { rules: { '10.0.0.1': { user: true } } },
      'TROWEL_ERR_AUTH_GRANTIP_RULE',
    ],
    [
      'a role with a comma',
      { rules: { '10.0.0.1': { roles: ['a,b'] } } },
      'TROWEL_ERR_AUTH_GRANTIP_RULE',
    ],
    [
      'a bare "-" role',
      { rules: { '10.0.0.1': { roles: ['-'] } } },
      'TROWEL_ERR_AUTH_GRANTIP_RULE',
    ],
    [
      'roles that are a string',
      { rules: { '10.0.0.1': { roles: 'a' } } },
      'TROWEL_ERR_AUTH_GRANTIP_RULE',
    ],
    ['a grant that is null', { rules: { '10.0.0.1': null } }, 'TROWEL_ERR_AUTH_GRANTIP_RULE'],
  ])('refuses %s when built', (_what, options, code) => {
    let caught: unknown;
    try {
      grantIp(options as GrantIpOptions);
    } catch (error) {
      caught = error;
    }
    expect(isConfigError(caught) && caught.code).toBe(code);
  });
});

describe('pasteGrantRule()', () => {
  it.each([
    ['joe:admin', { user: 'joe', roles: ['admin'] }],
    ['bob:editor, -worker', { user: 'bob', roles: ['editor', '-worker'] }],
    ['-:system', { roles: ['system'] }],
    ['__remove__:-', { user: false }],
    ['carol', { user: 'carol' }],
    [':staff', { roles: ['staff'] }],
    ['-:-', {}],
  ])('reads %j', (value, rule) => {
    expect(pasteGrantRule(value)).toEqual(rule);
  });
});
