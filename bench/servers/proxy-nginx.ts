/**
 * nginx `proxy_pass` to the same upstream, the limit: an `upstream` block with a keep-alive pool,
 * HTTP/1.1 to the upstream with `Connection` cleared, and buffering left at nginx's default.
 *
 * Run by the bench runner; prints `PORT <n>` and exits when stdin closes.
 */
import { announce } from '../lib/announce.ts';
import { startNginx } from './nginx.ts';
import { startUpstream } from './proxy-upstream.ts';

const upstream = await startUpstream();
const front = await startNginx(
  `location / {
      proxy_pass http://bench_upstream;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }`,
  `upstream bench_upstream { server 127.0.0.1:${upstream.port}; keepalive 64; }`,
);
announce(front.port, () => {
  front.stop();
  upstream.stop();
});
