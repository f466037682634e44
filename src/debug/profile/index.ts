/**
 * CPU profiling of requests, a development tool: {@link profile} runs V8's sampling profiler
 * (through `node:inspector`) while a request is handled, saves a `.cpuprofile` file that Chrome
 * DevTools opens, and puts the top functions by self time and by total time at the end of
 * `text/html` pages. It replaces Paste's `paste.debug.profile` (`ProfileMiddleware`, `egg:Paste#profile`),
 * which used hotshot, no longer imports on Python 3, and appended its table after `</html>`.
 *
 * When not to use it: in production. It serialises the requests it profiles (V8 profiles the whole
 * process, so two profiles at once would each hold the other's work), buffers the HTML pages it
 * annotates, and shows source paths and function names; by default it answers loopback clients
 * only. To profile a whole process rather than requests, `node --cpu-prof` is simpler.
 *
 * @module trowel/debug/profile
 */
export { profile } from './middleware.ts';
export type { ProfileOptions } from './options.ts';
export type { CpuProfile } from './profiler.ts';
export { summarizeProfile, type ProfileRow, type ProfileSummary } from './summary.ts';
