/**
 * Console output in the page, a development tool: {@link prints} captures what the application
 * writes with `console.log`, `console.error` and their siblings while it handles a request, and
 * shows it at the top of the `text/html` page it answers with. Concurrent requests are kept apart:
 * each page shows only the output of its own request. It replaces Paste's `paste.debug.prints`
 * (`PrintDebugMiddleware`, `egg:Paste#printdebug`), which swapped `sys.stdout` for the whole
 * process and no longer imports on Python 3.
 *
 * When not to use it: in production, or for output that is not made through `console` (loggers that
 * write to file descriptors themselves, `process.stdout.write`). It wraps the global `console`
 * methods once (a pass-through outside a captured request), buffers the pages it annotates, and
 * shows server output to the client: by default it answers loopback clients only.
 *
 * @module trowel/debug/prints
 */
export { prints, PRINTS, type PrintsHandle } from './middleware.ts';
export type { PrintsOptions } from './options.ts';
