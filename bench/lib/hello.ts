/**
 * The response every hello-world contender sends, so that all of them put the same bytes on the
 * wire (status line and headers aside from `Date` and connection management, which each server
 * adds in its own way).
 */

/** The body: 13 bytes of ASCII. */
export const HELLO_BODY = 'Hello, world!';

/** The media type, spelled the same by every contender. */
export const HELLO_CONTENT_TYPE = 'text/plain; charset=utf-8';

/**
 * The Fetch handler the trowel and Hono contenders run: a plain `Response`, no framework helpers.
 *
 * @example
 * ```ts
 * const res = hello();
 * ```
 */
export function hello(): Response {
  return new Response(HELLO_BODY, { headers: { 'content-type': HELLO_CONTENT_TYPE } });
}
