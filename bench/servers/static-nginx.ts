/**
 * The static-file root served by nginx, the limit a Node server can be measured against:
 * `sendfile on`, no access log, keep-alive without a request cap, and nothing else changed from
 * nginx's defaults (no open-file cache). See `nginx.ts` for how it runs.
 *
 * Run by the bench runner; prints `PORT <n>` once nginx answers, and stops nginx and exits when
 * stdin closes. Needs the `nginx` binary (`apt-get install -y nginx`).
 */
import { announce } from '../lib/announce.ts';
import { startNginx } from './nginx.ts';
import { makeStaticRoot } from './static-fixture.ts';

const nginx = await startNginx(`root ${makeStaticRoot()};`);
announce(nginx.port, () => {
  nginx.stop();
});
