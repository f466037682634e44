/**
 * nginx serving trowel's cache directory with the configuration `src/disk-cache/README.md`
 * documents (the bypass map, dotfiles and index entries, `try_files`), the limit for a cache hit.
 * Misses answer 404 here instead of going to an application: the scenario measures hits only.
 *
 * Run by the bench runner; prints `PORT <n>` and exits when stdin closes.
 */
import { announce } from '../lib/announce.ts';
import { filledCache } from './cache-fill.ts';
import { startNginx } from './nginx.ts';

const { dir } = await filledCache();
const nginx = await startNginx(
  `root ${dir};
    default_type text/html;
    error_page 418 = @app;
    if ($trowel_bypass) { return 418; }
    location ~ /\\. { return 404; }
    location ~ /$ { try_files \${uri}__index.html @app; }
    location / { try_files $uri @app; }
    location @app { return 404; }`,
  `map "$request_method:$is_args:$http_cookie:$http_authorization" $trowel_bypass {
    default 1;
    "GET:::" 0;
    "HEAD:::" 0;
  }`,
);
announce(nginx.port, () => {
  nginx.stop();
});
