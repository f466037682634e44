/**
 * Context keys shared by several capabilities: the authenticated user and how they were
 * authenticated (CGI's and WSGI's `REMOTE_USER` and `AUTH_TYPE`). Every authentication middleware
 * writes them; gateways such as `cgi()` and the proxy's forwarded context read them.
 */
import { createKey, type Key } from './context.ts';

/** The authenticated user's name (WSGI `REMOTE_USER`). */
export const REMOTE_USER: Key<string> = createKey<string>('trowel.remoteUser');

/** How the user was authenticated — `Basic`, `Digest`, `auth_tkt`, … (WSGI `AUTH_TYPE`). */
export const AUTH_TYPE: Key<string> = createKey<string>('trowel.authType');
