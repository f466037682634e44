/**
 * The hello-world response from a Hono app served by `@hono/node-server`, with the adapter's
 * defaults. Those defaults include `overrideGlobalObjects: true`: the adapter replaces the global
 * `Request` and `Response` with its own lighter classes, which is how Hono runs on Node out of the
 * box. It is bound to 127.0.0.1 (the adapter's default is every interface).
 *
 * Run by the bench runner; prints `PORT <n>` and exits when stdin closes.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { announce } from '../lib/announce.ts';
import { hello } from '../lib/hello.ts';

const app = new Hono();
app.get('/', () => hello());

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  announce(info.port, () => {
    server.close();
  });
});
