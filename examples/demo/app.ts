/**
 * The demo site that `npm start` (`trowel serve` with no file) serves through `site.ini`: a few
 * pages built from trowel's core pieces — mounting, HTTP errors, content negotiation, cookies and
 * forms — and a page showing the deploy config that `site.ini`'s `config` filter hands down.
 *
 * `pages` is the bare site, which `site.ini` wraps in filters; `demo` is the same site with HTTP
 * errors handled, for serving without a config (`serve.ts`).
 */
import {
  compose,
  escapeHtml,
  getCookies,
  httpErrors,
  mountAt,
  negotiateMediaType,
  NotFound,
  readForm,
  requestUrl,
  serializeCookie,
  type Handler,
  type Middleware,
} from 'trowel';
import { DEPLOY_CONFIG } from 'trowel/deploy';

const page = (title: string, body: string): Response =>
  new Response(
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
      `<body><h1>${escapeHtml(title)}</h1>${body}<p><a href="/">home</a></p></body></html>\n`,
    { headers: { 'content-type': 'text/html; charset=utf-8' } },
  );

const home: Handler = (request, ctx) =>
  page(
    ctx.get(DEPLOY_CONFIG)?.['site_name'] ?? 'trowel demo',
    `<p>${escapeHtml(ctx.get(DEPLOY_CONFIG)?.['greeting'] ?? 'Hello!')}</p>
<p>You reached <code>${escapeHtml(requestUrl(request, ctx))}</code> from ${escapeHtml(ctx.remoteAddr)}.</p>
<ul>
<li><a href="/hello">/hello</a> — text, HTML or JSON, by your Accept header</li>
<li><a href="/visits">/visits</a> — a cookie counter</li>
<li><a href="/form">/form</a> — a form, read with a size limit</li>
<li><a href="/api/where">/api/where</a> — a handler mounted under <code>/api</code></li>
<li><a href="/missing">/missing</a> — a 404 from a thrown <code>NotFound</code></li>
<li><a href="/config">/config</a> — the deploy config <code>site.ini</code> hands to the app</li>
<li><a href="/static/about.html">/static/about.html</a> — a static file, mounted by <code>urlmap</code></li>
<li><a href="/cgi-bin/hello/extra?x=1">/cgi-bin/hello</a> — a CGI script</li>
</ul>`,
  );

const hello: Handler = (request) => {
  const type = negotiateMediaType(request.headers.get('accept'), [
    'text/plain',
    'text/html',
    'application/json',
  ]);
  if (type === 'application/json') return Response.json({ hello: 'world' });
  if (type === 'text/html') return page('Hello', '<p>Hello, world!</p>');
  return new Response('Hello, world!\n', {
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  });
};

const visits: Handler = (request) => {
  const count = Number(getCookies(request).get('visits') ?? '0') + 1;
  const response = page(
    'Visits',
    `<p>You have been here ${count} time${count === 1 ? '' : 's'}.</p>`,
  );
  response.headers.append(
    'set-cookie',
    serializeCookie('visits', String(count), {
      path: '/',
      httpOnly: true,
      sameSite: 'Lax',
      maxAge: 3600,
    }),
  );
  return response;
};

const form: Handler = async (request) => {
  if (request.method === 'POST') {
    const fields = await readForm(request, { limit: 64 * 1024 });
    const name = fields.get('name');
    return page(
      'Form',
      `<p>Hello, ${escapeHtml(typeof name === 'string' && name !== '' ? name : 'stranger')}!</p>`,
    );
  }
  return page(
    'Form',
    '<form method="post"><label>Name <input name="name"></label> <button type="submit">Send</button></form>',
  );
};

const api: Handler = (request, ctx) =>
  Response.json({
    scriptName: ctx.scriptName,
    pathInfo: ctx.pathInfo,
    url: requestUrl(request, ctx),
  });

const config: Handler = (_request, ctx) => {
  const values = ctx.get(DEPLOY_CONFIG);
  if (values === undefined) {
    return page('Config', '<p>No deploy config: this demo was not served from a config file.</p>');
  }
  const rows = Object.entries(values)
    .map(([key, value]) => `<tr><th>${escapeHtml(key)}</th><td>${escapeHtml(value)}</td></tr>`)
    .join('');
  return page(
    'Config',
    `<p>What the <code>config</code> filter in <code>site.ini</code> hands down: the globals, then its own options. Try <code>npm start -- greeting=Hi</code>.</p><table>${rows}</table>`,
  );
};

const routes: Record<string, Handler> = {
  '/': home,
  '/hello': hello,
  '/visits': visits,
  '/form': form,
  '/config': config,
};

const router: Handler = (request, ctx) => {
  const mounted = mountAt(ctx, '/api');
  if (mounted) return api(request, mounted);
  const route = routes[ctx.pathInfo];
  if (!route) throw new NotFound(`Nothing is served at ${ctx.pathInfo}.`);
  return route(request, ctx);
};

const serverHeader: Middleware = (next) => async (request, ctx) => {
  const response = await next(request, ctx);
  response.headers.set('x-served-by', 'trowel demo');
  return response;
};

/** The demo site without error handling: `site.ini` puts `egg:Paste#httpexceptions` around it. */
export const pages: Handler = serverHeader(router);

/** The demo application, ready to serve on its own. */
export const demo: Handler = compose(httpErrors(), serverHeader)(router);
