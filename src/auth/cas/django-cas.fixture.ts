/**
 * A real CAS server for tests: Debian's django-cas-server (CAS 1/2/3) in a throw-away Django
 * project, run as a child process on a free loopback port, plus a scripted browser login.
 *
 * The user is `test` / `test` (`cas_server.auth.TestAuthUser`), with the test attributes
 * (`email`, `nom`, `prenom`, `alias` ×2) released to every `http://127.0.0.1:<port>/…` service.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'cheerio';
import { request } from 'undici';

/** The first Python that has both django and cas_server, or `undefined`. */
export function findCasPython(): string | undefined {
  for (const python of ['python3', '/usr/bin/python3']) {
    const probe = spawnSync(python, ['-c', 'import django, cas_server'], { stdio: 'ignore' });
    if (probe.status === 0) return python;
  }
  return undefined;
}

/** A running CAS server. */
export interface DjangoCas {
  /** The CAS base URL, `http://127.0.0.1:<port>/cas`. */
  readonly url: string;
  close(): Promise<void>;
}

const SETTINGS = (dir: string): string => `
SECRET_KEY = 'test-only'
DEBUG = False
ALLOWED_HOSTS = ['127.0.0.1', 'localhost']
INSTALLED_APPS = ['django.contrib.admin', 'django.contrib.auth', 'django.contrib.contenttypes',
    'django.contrib.sessions', 'django.contrib.messages', 'django.contrib.staticfiles', 'cas_server']
MIDDLEWARE = ['django.contrib.sessions.middleware.SessionMiddleware',
    'django.middleware.locale.LocaleMiddleware', 'django.middleware.common.CommonMiddleware',
    'django.middleware.csrf.CsrfViewMiddleware',
    'django.contrib.auth.middleware.AuthenticationMiddleware',
    'django.contrib.messages.middleware.MessageMiddleware']
ROOT_URLCONF = 'casproj.urls'
TEMPLATES = [{'BACKEND': 'django.template.backends.django.DjangoTemplates', 'APP_DIRS': True,
    'OPTIONS': {'context_processors': ['django.template.context_processors.request',
        'django.contrib.auth.context_processors.auth',
        'django.contrib.messages.context_processors.messages']}}]
DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': ${JSON.stringify(join(dir, 'db.sqlite3'))}}}
STATIC_URL = '/static/'
USE_TZ = True
DEFAULT_AUTO_FIELD = 'django.db.models.AutoField'
CAS_AUTH_CLASS = 'cas_server.auth.TestAuthUser'
CAS_NEW_VERSION_HTML_WARNING = False
CAS_NEW_VERSION_EMAIL_WARNING = False
`;

const URLS = `from django.urls import include, path
urlpatterns = [path('cas/', include(('cas_server.urls', 'cas_server'), namespace='cas_server'))]
`;

const SETUP = `import django
django.setup()
from cas_server.models import ServicePattern, ReplaceAttributName
sp, _ = ServicePattern.objects.get_or_create(pos=0, name='loopback',
    pattern=r'^http://127\\.0\\.0\\.1(:\\d+)?/.*$')
ReplaceAttributName.objects.get_or_create(name='*', replace='', service_pattern=sp)
`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (typeof address === 'object' && address !== null) resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

function run(python: string, args: string[], env: NodeJS.ProcessEnv): void {
  const result = spawnSync(python, args, { env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr}`);
}

/** Creates the Django project, migrates it, and starts the CAS server; resolves once it answers. */
export async function startDjangoCas(python: string): Promise<DjangoCas> {
  const dir = await mkdtemp(join(tmpdir(), 'trowel-cas-'));
  await mkdir(join(dir, 'casproj'));
  await writeFile(join(dir, 'casproj', '__init__.py'), '');
  await writeFile(join(dir, 'casproj', 'settings.py'), SETTINGS(dir));
  await writeFile(join(dir, 'casproj', 'urls.py'), URLS);
  const env = { ...process.env, DJANGO_SETTINGS_MODULE: 'casproj.settings', PYTHONPATH: dir };
  run(python, ['-m', 'django', 'migrate', '-v0'], env);
  run(python, ['-c', SETUP], env);
  const port = await freePort();
  const child: ChildProcess = spawn(
    python,
    ['-m', 'django', 'runserver', '--noreload', `127.0.0.1:${port}`],
    { env, stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}/cas`;
  const close = async (): Promise<void> => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  for (let attempt = 0; attempt < 200; attempt += 1) {
    try {
      const res = await request(`${url}/login`);
      await res.body.dump();
      if (res.statusCode === 200) return { url, close };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  await close();
  throw new Error('the CAS server did not start');
}

function cookieHeader(setCookies: string | string[] | undefined): string {
  const list =
    setCookies === undefined ? [] : Array.isArray(setCookies) ? setCookies : [setCookies];
  return list.map((c) => c.split(';')[0]).join('; ');
}

/**
 * Logs in as a browser would: GETs the CAS login page at `loginUrl`, fills in the form (keeping its
 * hidden `lt` and `csrfmiddlewaretoken` fields and the session cookies), POSTs it, and returns the
 * `Location` CAS redirects to (the service URL with a ticket).
 */
export async function casLogin(
  loginUrl: string,
  username = 'test',
  password = 'test',
): Promise<string> {
  const page = await request(loginUrl);
  const cookie = cookieHeader(page.headers['set-cookie']);
  const $ = load(await page.body.text());
  const form = $('form').filter((_i, f) => $(f).find('input[name="password"]').length > 0);
  const fields = new URLSearchParams();
  form.find('input[name]').each((_i, input) => {
    const name = $(input).attr('name') ?? '';
    const type = $(input).attr('type') ?? 'text';
    if (type === 'checkbox' || type === 'submit') return;
    fields.set(name, $(input).attr('value') ?? '');
  });
  fields.set('username', username);
  fields.set('password', password);
  const action = new URL(form.attr('action') ?? loginUrl, loginUrl).href;
  const answer = await request(action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, referer: loginUrl },
    body: fields.toString(),
  });
  await answer.body.dump();
  const location = answer.headers['location'];
  if (answer.statusCode !== 302 || typeof location !== 'string') {
    throw new Error(`CAS login answered ${answer.statusCode} without a redirect`);
  }
  return location;
}
