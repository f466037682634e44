// Werkzeug's tests/middleware/test_proxy_fix.py, case by case: the same headers, the same peer, the
// same expected client address (always 192.168.0.1) and URL root. ProxyFix's per-header counts
// (x_for, x_proto, …; defaults x_for=1, x_proto=1, others 0) map onto `hops`.
import { describe, expect, it } from 'vitest';
import { Context } from '../core/context.ts';
import { requestUrl } from '../core/url.ts';
import { forwarded } from './forwarded.ts';
import type { ForwardedHops } from './options.ts';

const PROXY_FIX_DEFAULTS = { for: 1, proto: 1, host: 0, port: 0, prefix: 0 };

interface Case {
  readonly id: string;
  readonly hops: ForwardedHops;
  readonly peer?: string;
  readonly host: string;
  readonly headers: Record<string, string>;
  readonly urlRoot: string;
}

const cases: Case[] = [
  {
    id: 'for',
    hops: {},
    peer: '192.168.0.2',
    host: 'spam',
    headers: { 'x-forwarded-for': '192.168.0.1', 'x-forwarded-proto': 'https' },
    urlRoot: 'https://spam/',
  },
  {
    id: 'proto',
    hops: { proto: 1 },
    host: 'spam',
    headers: { 'x-forwarded-proto': 'https' },
    urlRoot: 'https://spam/',
  },
  {
    id: 'host',
    hops: { host: 1 },
    host: 'spam',
    headers: { 'x-forwarded-host': 'eggs' },
    urlRoot: 'http://eggs/',
  },
  {
    id: 'port, host without port',
    hops: { port: 1 },
    host: 'spam',
    headers: { 'x-forwarded-port': '8080' },
    urlRoot: 'http://spam:8080/',
  },
  {
    id: 'port, host with port',
    hops: { port: 1 },
    host: 'spam:9000',
    headers: { 'x-forwarded-port': '8080' },
    urlRoot: 'http://spam:8080/',
  },
  {
    // SERVER_NAME/SERVER_PORT without Host: the context always has a host, so it is spam:9000.
    id: 'port, name',
    hops: { port: 1 },
    host: 'spam:9000',
    headers: { 'x-forwarded-port': '8080' },
    urlRoot: 'http://spam:8080/',
  },
  {
    id: 'prefix',
    hops: { prefix: 1 },
    host: 'spam',
    headers: { 'x-forwarded-prefix': '/eggs' },
    urlRoot: 'http://spam/eggs/',
  },
  {
    id: 'all',
    hops: { for: 1, proto: 1, host: 1, port: 1, prefix: 1 },
    peer: '192.168.0.2',
    host: 'spam:9000',
    headers: {
      'x-forwarded-for': '192.168.0.1',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'eggs',
      'x-forwarded-port': '443',
      'x-forwarded-prefix': '/ham',
    },
    urlRoot: 'https://eggs/ham/',
  },
  {
    id: 'multiple for',
    hops: { for: 2 },
    peer: '192.168.0.3',
    host: 'spam',
    headers: { 'x-forwarded-for': '192.168.0.1, 192.168.0.2' },
    urlRoot: 'http://spam/',
  },
  {
    id: 'ignore 0',
    hops: { for: 0 },
    host: 'spam',
    headers: { 'x-forwarded-for': '192.168.0.2' },
    urlRoot: 'http://spam/',
  },
  {
    id: 'ignore len < trusted',
    hops: { for: 3 },
    host: 'spam',
    headers: { 'x-forwarded-for': '192.168.0.3, 192.168.0.2' },
    urlRoot: 'http://spam/',
  },
  {
    id: 'ignore untrusted',
    hops: {},
    peer: '192.168.0.2',
    host: 'spam',
    headers: { 'x-forwarded-for': '192.168.0.3, 192.168.0.1' },
    urlRoot: 'http://spam/',
  },
  {
    id: 'ignore empty',
    hops: { for: 2 },
    host: 'spam',
    headers: { 'x-forwarded-for': ', 192.168.0.3' },
    urlRoot: 'http://spam/',
  },
  {
    id: 'prefix < for',
    hops: { for: 2, prefix: 1 },
    peer: '192.168.0.2',
    host: 'spam',
    headers: { 'x-forwarded-for': '192.168.0.1, 192.168.0.3', 'x-forwarded-prefix': '/ham, /eggs' },
    urlRoot: 'http://spam/eggs/',
  },
  {
    id: 'ipv6 host',
    hops: { host: 1 },
    host: 'spam',
    headers: { 'x-forwarded-host': '[2001:db8::a]' },
    urlRoot: 'http://[2001:db8::a]/',
  },
  {
    id: 'ipv6 port, host without port',
    hops: { port: 1 },
    host: '[2001:db8::a]',
    headers: { 'x-forwarded-port': '8080' },
    urlRoot: 'http://[2001:db8::a]:8080/',
  },
  {
    id: 'ipv6 - port, host with port',
    hops: { port: 1 },
    host: '[2001:db8::a]:9000',
    headers: { 'x-forwarded-port': '8080' },
    urlRoot: 'http://[2001:db8::a]:8080/',
  },
];

describe('ProxyFix parity', () => {
  it.each(cases)('$id', async ({ hops, peer = '192.168.0.1', host, headers, urlRoot }) => {
    let seen: { addr: string; root: string } | undefined;
    const handler = forwarded({
      trustedProxies: ['192.168.0.0/16'],
      hops: { ...PROXY_FIX_DEFAULTS, ...hops },
    })((request, ctx) => {
      seen = {
        addr: ctx.remoteAddr,
        root: `${requestUrl(request, ctx, { withPathInfo: false, withQuery: false })}/`,
      };
      return new Response('ok');
    });
    const request = new Request(`http://${host}/`, { headers });
    const response = await handler(request, new Context(request, { remoteAddr: peer }));
    expect(response.status).toBe(200);
    expect(seen).toEqual({ addr: '192.168.0.1', root: urlRoot });
  });
});
