import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import type { Handler } from '../core/handler.ts';
import { TestApp } from '../testing/index.ts';
import { errors, type ErrorReport } from './index.ts';
import { createMailer } from './mail.ts';
import { resolveOptions } from './options.ts';
import { collectReport } from './report.ts';

interface Received {
  readonly from: string;
  readonly to: readonly string[];
  readonly user: string | undefined;
  readonly raw: string;
}

const servers = new Set<SMTPServer>();
afterEach(async () => {
  await Promise.all(
    [...servers].map(
      (server) =>
        new Promise<void>((resolve) => {
          server.close(() => {
            resolve();
          });
        }),
    ),
  );
  servers.clear();
});

/** A real SMTP server on loopback that keeps what it receives. */
async function smtp(options: SMTPServerOptions = {}): Promise<{
  port: number;
  messages: Received[];
  next: (count?: number) => Promise<Received[]>;
  close: () => Promise<void>;
}> {
  const messages: Received[] = [];
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    ...options,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const { mailFrom, rcptTo } = session.envelope;
        messages.push({
          from: mailFrom === false ? '' : mailFrom.address,
          to: rcptTo.map((rcpt) => rcpt.address),
          user: typeof session.user === 'string' ? session.user : undefined,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        for (const wake of waiters) wake();
        callback();
      });
    },
  });
  servers.add(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  const next = (count = 1): Promise<Received[]> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (messages.length < count) return;
        waiters.delete(check);
        resolve(messages.slice(0, count));
      };
      waiters.add(check);
      check();
    });
  const close = async (): Promise<void> => {
    servers.delete(server);
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  };
  return { port, messages, next, close };
}

/** The decoded body of each MIME part of `raw`, by content type. */
function parts(raw: string): Map<string, string> {
  const boundary = /boundary="?([^";\r\n]+)"?/.exec(raw)?.[1] ?? '';
  const found = new Map<string, string>();
  for (const part of raw.split(`--${boundary}`).slice(1, -1)) {
    const [head = '', ...rest] = part.replace(/^\r\n/, '').split('\r\n\r\n');
    const body = rest.join('\r\n\r\n');
    const type = /content-type:\s*([^;\r\n]+)/i.exec(head)?.[1] ?? '';
    const encoding = /content-transfer-encoding:\s*(\S+)/i.exec(head)?.[1]?.toLowerCase();
    const bytes =
      encoding === 'base64'
        ? Buffer.from(body, 'base64')
        : encoding === 'quoted-printable'
          ? Buffer.from(
              body
                .replace(/=\r\n/g, '')
                .replace(/=([0-9A-F]{2})/g, (_m, hex: string) =>
                  String.fromCharCode(parseInt(hex, 16)),
                ),
              'latin1',
            )
          : Buffer.from(body, 'latin1');
    found.set(type, bytes.toString('utf8').replace(/\r\n/g, '\n'));
  }
  return found;
}

function header(raw: string, name: string): string {
  const head = raw.split('\r\n\r\n')[0] ?? '';
  const match = new RegExp(`^${name}:(.*(?:\\r\\n[ \\t].*)*)`, 'im').exec(head);
  return (match?.[1] ?? '').replace(/\r\n[ \t]/g, ' ').trim();
}

const boom: Handler = () => {
  throw new TypeError('the widget is broken');
};

function logged(): { log: (report: ErrorReport) => void; report: Promise<ErrorReport> } {
  let log: (report: ErrorReport) => void = () => undefined;
  const report = new Promise<ErrorReport>((resolve) => (log = resolve));
  return { log, report };
}

describe('errors() mail, through a real SMTP server', () => {
  it('mails the report as text and HTML with the code, the traceback and the request', async () => {
    const server = await smtp();
    const { log, report } = logged();
    const client = new TestApp(
      errors({
        log,
        mail: {
          to: ['ops@example.com', 'dev@example.com'],
          from: 'shop@example.com',
          subjectPrefix: '[shop] ',
          transport: { host: '127.0.0.1', port: server.port, ignoreTLS: true },
        },
      })(boom),
    );
    await client.get('/orders/7?page=2', { status: 500 });
    const [mail] = await server.next();
    const { identificationCode } = await report;
    expect(mail?.from).toBe('shop@example.com');
    expect(mail?.to).toEqual(['ops@example.com', 'dev@example.com']);
    const raw = mail?.raw ?? '';
    expect(header(raw, 'subject')).toBe(
      `[shop] TypeError: the widget is broken (${identificationCode})`,
    );
    expect(header(raw, 'content-type')).toMatch(/^multipart\/alternative;/);
    const text = parts(raw).get('text/plain') ?? '';
    expect(text).toContain(`Error ${identificationCode} at `);
    expect(text).toMatch(/TypeError: the widget is broken\n {4}at .*mail\.test\.ts:\d+:\d+/);
    expect(text).toContain('GET http://localhost/orders/7?page=2');
    const html = parts(raw).get('text/html') ?? '';
    expect(html).toContain('<h1>TypeError</h1>');
    expect(html).toContain('Mailed by trowel errors().');
  });

  it('logs in when the server asks for credentials', async () => {
    const server = await smtp({
      authOptional: false,
      allowInsecureAuth: true,
      onAuth(auth, _session, callback) {
        if (auth.username === 'mailer' && auth.password === 'pw-for-tests') {
          callback(null, { user: 'mailer' });
        } else callback(new Error('bad credentials'));
      },
    });
    const client = new TestApp(
      errors({
        log: () => undefined,
        mail: {
          to: ['ops@example.com'],
          transport: {
            host: '127.0.0.1',
            port: server.port,
            ignoreTLS: true,
            auth: { user: 'mailer', pass: 'pw-for-tests' },
          },
        },
      })(boom),
    );
    await client.get('/', { status: 500 });
    const [mail] = await server.next();
    expect(mail?.user).toBe('mailer');
    expect(mail?.from).toBe('errors@localhost');
  });

  it('answers before the mail is sent', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const server = await smtp({
      onRcptTo(_address, _session, callback) {
        void held.then(() => {
          callback();
        });
      },
    });
    const client = new TestApp(
      errors({
        log: () => undefined,
        mail: { to: ['ops@example.com'], transport: { host: '127.0.0.1', port: server.port } },
      })(boom),
    );
    const res = await client.get('/', { status: 500 });
    expect(res.status).toBe(500);
    expect(server.messages).toEqual([]);
    release();
    expect(await server.next()).toHaveLength(1);
  });

  it('reports a mail that cannot be sent to onMailError, not to the client', async () => {
    const server = await smtp();
    await server.close();
    let failed: (value: [unknown, ErrorReport]) => void = () => undefined;
    const failure = new Promise<[unknown, ErrorReport]>((resolve) => (failed = resolve));
    const client = new TestApp(
      errors({
        log: () => undefined,
        onMailError: (error, report) => {
          failed([error, report]);
        },
        mail: { to: ['ops@example.com'], transport: { host: '127.0.0.1', port: server.port } },
      })(boom),
    );
    const res = await client.get('/', { status: 500 });
    const [error, report] = await failure;
    expect(res.text).toContain(report.identificationCode);
    expect(error).toMatchObject({ code: 'ESOCKET' });
  });

  it('sends at most max mails per window and counts the rest in the next', async () => {
    const server = await smtp();
    let clock = 0;
    const { mail } = resolveOptions({
      mail: {
        to: ['ops@example.com'],
        transport: { host: '127.0.0.1', port: server.port },
        rateLimit: { max: 2, window: 60_000 },
      },
    });
    const mailer = createMailer(
      mail ?? expect.fail('no mail settings'),
      (error) => {
        throw error;
      },
      () => clock,
    );
    const reports = await Promise.all(
      ['one', 'two', 'three', 'four'].map((message) => collectReport(new Error(message))),
    );
    for (const report of reports) mailer.send(report);
    await mailer.settled();
    expect(server.messages).toHaveLength(2);
    clock = 60_000;
    mailer.send(await collectReport(new Error('five')));
    await mailer.settled();
    expect(server.messages).toHaveLength(3);
    const text = parts(server.messages[2]?.raw ?? '').get('text/plain') ?? '';
    expect(text).toMatch(
      /^2 more error reports were not mailed since \S+ \(at most 2 mails per 60 s\)/,
    );
    expect(text).toContain('Error: five');
  });
});
