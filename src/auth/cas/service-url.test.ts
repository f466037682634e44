import { describe, expect, it } from 'vitest';
import { Context } from '../../core/context.ts';
import { casUrl, ticketedRequest, withoutTicket } from './service-url.ts';

describe('ticketedRequest', () => {
  it.each([
    ['/p?ticket=T', '/p', ['T']],
    ['/p?ticket=T&x=1', '/p?x=1', ['T']],
    ['/p?x=1&ticket=T&y=2', '/p?x=1&y=2', ['T']],
    ['/p?x=1&ticket=T', '/p?x=1', ['T']],
    ['/p?x=1&ticket=A&ticket=B', '/p?x=1', ['A', 'B']],
    ['/p?x=a%20b', '/p?x=a+b', []],
    ['/p', '/p', []],
  ])('splits %s into service %s and tickets %j', (path, service, tickets) => {
    const request = new Request(`http://app.test${path}`);
    expect(ticketedRequest(request, new Context(request))).toEqual({
      service: `http://app.test${service}`,
      tickets,
    });
  });

  it('builds the service from the context scheme, host and mount split', () => {
    const request = new Request('http://internal:8080/app/page?ticket=T');
    const ctx = new Context(request, {
      scheme: 'https',
      host: 'example.org',
      scriptName: '/app',
      pathInfo: '/page',
    });
    expect(ticketedRequest(request, ctx).service).toBe('https://example.org/app/page');
  });

  it('gives the same service whatever encoding the CAS server used for the other parameters', () => {
    const a = new Request('http://app.test/p?q=a%20b&ticket=T');
    const b = new Request('http://app.test/p?ticket=T&q=a+b');
    expect(ticketedRequest(a, new Context(a)).service).toBe(
      ticketedRequest(b, new Context(b)).service,
    );
  });
});

describe('withoutTicket and casUrl', () => {
  it('removes every ticket from an absolute URL', () => {
    expect(withoutTicket('https://a.test/x?ticket=1&y=2&ticket=3')).toBe('https://a.test/x?y=2');
  });

  it('encodes the parameters of a CAS URL', () => {
    expect(casUrl('https://cas.test/cas', '/login', { service: 'http://a/?x=1&y=2' })).toBe(
      'https://cas.test/cas/login?service=http%3A%2F%2Fa%2F%3Fx%3D1%26y%3D2',
    );
  });
});
