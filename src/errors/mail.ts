/**
 * Error mail: each report sent as a `multipart/alternative` message (the text report, and the
 * debug page as HTML) through nodemailer, off the request path, at most `max` per `window`; the
 * mail after a quiet spell says how many reports were held back. A mail that cannot be sent is
 * reported to `onMailError` and never reaches the client or the request.
 *
 * nodemailer is an optional peer dependency, imported the first time a mail goes out; `errors()`
 * checks that it can be resolved when it is built. A ready transporter (anything with
 * `sendMail()`) can be given instead of SMTP settings.
 */
import type * as Nodemailer from 'nodemailer';
import { debugPage } from './html.ts';
import type { ErrorMail, MailSender, MailTransportOptions, ResolvedMail } from './options.ts';
import type { ErrorReport } from './report.ts';
import { entryTitle, formatText } from './text.ts';

/** Sends reports by mail, rate-limited; `send()` returns at once. */
export interface ReportMailer {
  /** Queues a mail for `report`, or counts it when the rate limit is reached. */
  send(report: ErrorReport): void;
  /** Resolves when every mail queued so far was sent or failed. */
  settled(): Promise<void>;
}

function isMailSender(transport: MailTransportOptions | MailSender): transport is MailSender {
  return typeof (transport as { sendMail?: unknown }).sendMail === 'function';
}

async function createSender(options: MailTransportOptions): Promise<MailSender> {
  let nodemailer: typeof Nodemailer;
  try {
    nodemailer = await import('nodemailer');
  } catch (error) {
    throw new Error('errors(): error mail needs nodemailer, which cannot be loaded', {
      cause: error,
    });
  }
  const { tls, ...rest } = options;
  const { ca, ...tlsRest } = tls ?? {};
  const transporter = nodemailer.createTransport({
    host: 'localhost',
    // Shorter than nodemailer's (2 min, 30 s, 10 min): a dead mail server must not pile up
    // connections while errors keep coming.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    ...rest,
    ...(tls === undefined
      ? {}
      : {
          tls: {
            ...tlsRest,
            ...(ca === undefined ? {} : { ca: typeof ca === 'string' ? ca : [...ca] }),
          },
        }),
  });
  return {
    sendMail: (mail) =>
      transporter.sendMail({
        ...mail,
        to: [...mail.to],
        headers: { ...mail.headers },
      }),
  };
}

/** The subject line: the prefix, the error's first line (cut at 100 characters) and the code. */
export function mailSubject(report: ErrorReport, prefix: string): string {
  const first = report.errors[0];
  // Control characters would break the header field; nodemailer encodes the rest.
  let title = (first === undefined ? 'Error' : entryTitle(first)).replace(/\p{Cc}+/gu, ' ');
  if (title.length > 100) title = `${title.slice(0, 100)}…`;
  return `${prefix}${title} (${report.identificationCode})`;
}

/** Builds the mail for `report`; `held` is how many reports the rate limit kept back before it. */
export function buildMail(
  report: ErrorReport,
  options: ResolvedMail,
  held: { readonly count: number; readonly since: Date | undefined },
): ErrorMail {
  const note =
    held.count === 0
      ? ''
      : `${String(held.count)} more error report${held.count === 1 ? ' was' : 's were'} not mailed since ${held.since?.toISOString() ?? '?'} (at most ${String(options.max)} mails per ${String(options.window / 1000)} s); see the log.`;
  return {
    from: options.from,
    to: options.to,
    subject: mailSubject(report, options.subjectPrefix),
    text: note === '' ? formatText(report) : `${note}\n\n${formatText(report)}`,
    html: debugPage(report, 'html', `${note === '' ? '' : `${note} `}Mailed by trowel errors().`),
    headers: { 'x-trowel-error-code': report.identificationCode },
  };
}

/**
 * Makes the mailer of `errors()`.
 *
 * @param now the clock, for tests. @default Date.now
 */
export function createMailer(
  options: ResolvedMail,
  onError: (error: unknown, report: ErrorReport) => void,
  now: () => number = Date.now,
): ReportMailer {
  let sender: Promise<MailSender> | undefined;
  let windowStart = Number.NEGATIVE_INFINITY;
  let sent = 0;
  let held = 0;
  let heldSince: Date | undefined;
  const inFlight = new Set<Promise<void>>();
  const { transport } = options;

  let loadFailed = false;

  const deliver = async (mail: ErrorMail, report: ErrorReport): Promise<void> => {
    let ready: MailSender;
    try {
      sender ??= isMailSender(transport) ? Promise.resolve(transport) : createSender(transport);
      ready = await sender;
    } catch (error) {
      // The same failure every time: say it once, not once per error.
      if (!loadFailed) onError(error, report);
      loadFailed = true;
      return;
    }
    try {
      await ready.sendMail(mail);
    } catch (error) {
      onError(error, report);
    }
  };

  return {
    send(report) {
      const time = now();
      if (time - windowStart >= options.window) {
        windowStart = time;
        sent = 0;
      }
      if (sent >= options.max) {
        held += 1;
        heldSince ??= report.date;
        return;
      }
      sent += 1;
      let mail: ErrorMail;
      try {
        mail = buildMail(report, options, { count: held, since: heldSince });
      } catch (error) {
        onError(error, report);
        return;
      }
      held = 0;
      heldSince = undefined;
      const done = deliver(mail, report).finally(() => inFlight.delete(done));
      inFlight.add(done);
    },
    async settled() {
      while (inFlight.size > 0) await Promise.all(inFlight);
    },
  };
}
