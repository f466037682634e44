/**
 * @module trowel/static
 *
 * Static files over HTTP, done the way RFC 9110 asks: `staticFiles()` serves a directory tree,
 * `staticPackage()` the files of an installed npm package, `fileResponse()` one file and
 * `dataResponse()` bytes in memory. Every answer is streamed from the open file in 256 KiB blocks
 * (smaller bodies in one read), carries an `ETag` and `Last-Modified`, honours `If-None-Match`,
 * `If-Modified-Since` (304), `If-Match`, `If-Unmodified-Since` (412), `Range` (206, with
 * multipart/byteranges for several ranges; 416 when none fits) and `If-Range`, answers HEAD like
 * GET without the body, and takes its `Content-Type` from the `mime` database. A directory is
 * served by its index file; its path without the trailing slash is redirected (301). Precompressed
 * `.br`/`.gz` siblings are sent to clients that accept them.
 *
 * Paths are safe by construction: each URL segment is decoded on its own and `..`, `%2f`, `\`,
 * NUL and bad UTF-8 are refused; the file actually opened is checked to lie inside the root; dot
 * files and symlinks are refused unless allowed; every refusal is a plain 404.
 *
 * When not to use it: in front of a busy site, let the front-end server (nginx, a CDN) serve the
 * static tree and keep trowel for the application; for files that change per user, write a
 * handler that calls `fileResponse()` after its own checks. There are no directory listings.
 *
 * Replaces Paste's `paste.fileapp` (`FileApp`, `DataApp`, `DirectoryApp`) and the static side of
 * `paste.urlparser` (`StaticURLParser`, `PkgResourcesParser`).
 */
export { staticFiles } from './static-files.ts';
export type {
  StaticFilesOptions,
  CachingOptions,
  MetadataCacheOptions,
  Precompressed,
} from './options.ts';
export { staticPackage, packageDirectory, type StaticPackageOptions } from './package.ts';
export {
  dataResponse,
  fileResponse,
  type DataResponseOptions,
  type FileResponseOptions,
} from './responses.ts';
export type { DotfilePolicy } from './segments.ts';
