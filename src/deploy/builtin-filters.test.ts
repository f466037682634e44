import { describe, expect, it } from 'vitest';
import { Context } from '../core/context.ts';
import type { Handler } from '../core/handler.ts';
import { NotFound } from '../core/http-error.ts';
import { get, rejection, tree } from '../../test/deploy/helpers.ts';
import { configFilter, DEPLOY_CONFIG } from './config-filter.ts';
import type { DeployWarning } from './errors.ts';
import { loadFilter } from './loader.ts';

/** Loads `[filter:main]` with `body` and wraps `app` in it. */
async function wrap(body: string, app: Handler, warnings: DeployWarning[] = []): Promise<Handler> {
  const dir = tree({ 'site.ini': `[DEFAULT]\nsite = demo\n[filter:main]\n${body}` });
  const filter = await loadFilter(`${dir}/site.ini`, { onWarning: (w) => warnings.push(w) });
  return filter(app);
}

describe('egg:Paste#httpexceptions', () => {
  it('turns a thrown HTTP error into its response', async () => {
    const app = await wrap('use = egg:Paste#httpexceptions\n', () => {
      throw new NotFound('nothing here');
    });
    expect((await get(app)).status).toBe(404);
  });

  it("accepts Paste's warning_level, warning that it has no effect", async () => {
    const warnings: DeployWarning[] = [];
    await wrap(
      'use = egg:Paste#httpexceptions\nwarning_level = 2\n',
      () => new Response(),
      warnings,
    );
    expect(warnings.map((w) => [w.code, w.where.key])).toEqual([
      ['TROWEL_WARN_DEPLOY_IGNORED', 'warning_level'],
    ]);
  });
});

describe('egg:Paste#lint', () => {
  it('rejects a handler that breaks the contract, in strict mode', async () => {
    const app = await wrap('use = egg:Paste#lint\n', () => 'not a response' as unknown as Response);
    await expect(get(app)).rejects.toThrow(/not a Response/);
  });

  it('only reports in warn mode', async () => {
    const app = await wrap('use = egg:Paste#lint\nmode = warn\n', () => new Response('ok'));
    expect((await get(app)).status).toBe(200);
  });

  it('names the key of a bad mode', async () => {
    const error = await rejection(
      wrap('use = egg:Paste#lint\nmode = loud\n', () => new Response()),
    );
    expect(error).toMatchObject({ key: 'mode', line: 5, code: 'TROWEL_ERR_DEPLOY_VALUE' });
  });
});

describe('egg:PasteDeploy#config and egg:Paste#config', () => {
  it.each(['egg:PasteDeploy#config', 'egg:Paste#config'])(
    '%s hands the globals and options to the app',
    async (use) => {
      const app = await wrap(`use = ${use}\nsite = local\ncolour = blue\n`, (_request, ctx) =>
        Response.json(ctx.require(DEPLOY_CONFIG)),
      );
      const config = (await (await get(app)).json()) as Record<string, string>;
      expect(config).toMatchObject({ site: 'local', colour: 'blue' });
      expect(config['here']).toMatch(/^\//);
    },
  );
});

describe('configFilter()', () => {
  it('puts a frozen copy in a child context, leaving the caller alone', async () => {
    const source = { a: '1' };
    const ctx = new Context('http://x/');
    let seen: unknown;
    await configFilter(source)((_request, child) => {
      seen = child.get(DEPLOY_CONFIG);
      return new Response();
    })(new Request('http://x/'), ctx);
    source.a = '2';
    expect(seen).toEqual({ a: '1' });
    expect(Object.isFrozen(seen)).toBe(true);
    expect(ctx.get(DEPLOY_CONFIG)).toBeUndefined();
  });
});

describe('egg:PasteDeploy#prefix', () => {
  const show: Handler = (_request, ctx) =>
    new Response(`${ctx.scriptName}|${ctx.pathInfo}|${ctx.host}|${ctx.scheme}`);

  it("maps Paste's options onto prefix()", async () => {
    const app = await wrap(
      'use = egg:PasteDeploy#prefix\nprefix = /legacy\nforce_port = 8443\nscheme = https\ntrusted_proxies = 127.0.0.1 10.0.0.0/8\n',
      show,
    );
    expect(await (await get(app, '/legacy/x')).text()).toBe('/legacy|/x|localhost:8443|https');
  });

  it('drops the port with an empty force_port, and can stop reading forwarded headers', async () => {
    const app = await wrap(
      'use = egg:PasteDeploy#prefix\nforce_port =\ntranslate_forwarded_server = false\n',
      show,
    );
    expect(await (await get(app, '/x', { 'x-forwarded-host': 'evil.example' })).text()).toBe(
      '|/x|localhost|http',
    );
  });

  it.each([
    ['translate_forwarded_server = maybe\n', 'translate_forwarded_server'],
    ['force_port = http\n', 'force_port'],
    ['scheme = ftp\n', 'scheme'],
    ['prefix = legacy\n', 'prefix'],
    ['trusted_proxies = everyone\n', 'trusted_proxies'],
    ['prefx = /x\n', 'prefx'],
  ])('names the key of %j', async (body, key) => {
    const error = await rejection(wrap(`use = egg:PasteDeploy#prefix\n${body}`, show));
    expect(error.key).toBe(key);
  });
});
