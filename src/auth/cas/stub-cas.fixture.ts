/**
 * A small CAS server written as a trowel handler, for tests that need to control what CAS answers
 * (slow, broken, refusing). It issues single-use tickets bound to one service URL, as real CAS
 * servers do, and records every validation request it receives.
 */
import type { Handler } from '../../core/handler.ts';
import { escapeHtml } from '../../core/escape.ts';

/** The stub's state and knobs. */
export interface StubCas {
  readonly handler: Handler;
  /** Every validation request's path and parameters, in order. */
  readonly validations: { path: string; service: string; ticket: string; renew: boolean }[];
  /** Issues a ticket for `service`, as a login would. */
  issue(service: string, user?: string): string;
  /** Replaces the validation answer (status and body) for the next requests. */
  answerWith(answer: { status: number; body: string; delay?: number } | undefined): void;
}

/** Makes a stub CAS server; mount it at `/cas` of some origin. */
export function stubCas(): StubCas {
  const tickets = new Map<string, { service: string; user: string }>();
  const validations: StubCas['validations'] = [];
  let override: { status: number; body: string; delay?: number } | undefined;
  let counter = 0;
  const issue = (service: string, user = 'test'): string => {
    counter += 1;
    const ticket = `ST-${counter}`;
    tickets.set(ticket, { service, user });
    return ticket;
  };
  const handler: Handler = async (request) => {
    const url = new URL(request.url);
    const service = url.searchParams.get('service') ?? '';
    const path = url.pathname.replace(/^\/cas/, '');
    if (path === '/login') {
      const target = new URL(service);
      target.searchParams.set('ticket', issue(service));
      return new Response(null, { status: 302, headers: { location: target.href } });
    }
    const ticket = url.searchParams.get('ticket') ?? '';
    validations.push({ path, service, ticket, renew: url.searchParams.get('renew') === 'true' });
    if (override !== undefined) {
      const { status, body, delay } = override;
      if (delay !== undefined) await new Promise((resolve) => setTimeout(resolve, delay));
      return new Response(body, { status });
    }
    const issued = tickets.get(ticket);
    tickets.delete(ticket);
    const ok = issued !== undefined && issued.service === service;
    if (path === '/validate') return new Response(ok ? `yes\n${issued.user}\n` : 'no\n');
    const body = ok
      ? `<cas:authenticationSuccess><cas:user>${escapeHtml(issued.user)}</cas:user>` +
        '<cas:attributes><cas:email>t@example.org</cas:email><cas:group>a</cas:group>' +
        '<cas:group>b</cas:group></cas:attributes></cas:authenticationSuccess>'
      : '<cas:authenticationFailure code="INVALID_TICKET">unknown ticket</cas:authenticationFailure>';
    return new Response(
      `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">${body}</cas:serviceResponse>`,
      { headers: { 'content-type': 'application/xml; charset=utf-8' } },
    );
  };
  return {
    handler,
    validations,
    issue,
    answerWith: (answer) => {
      override = answer;
    },
  };
}
