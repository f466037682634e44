/**
 * Reading what a CAS server answers to a ticket validation: the CAS 1.0 `/validate` text
 * (`yes\n<user>\n` or `no\n`) and the CAS 2.0/3.0 `/serviceValidate` XML document.
 *
 * The XML is read with a real XML parser (cheerio in XML mode, on htmlparser2), never with regular
 * expressions: a user name or attribute value may hold `<`, entities or CDATA, and the same element
 * may be written with any namespace prefix. htmlparser2 does not read DTDs, so no external entity is
 * ever fetched or expanded (no XXE). Elements are matched by their local name, so
 * `<cas:user>` and a differently prefixed `<x:user>` both count.
 */
import { createRequire } from 'node:module';
import type * as CheerioModule from 'cheerio';
import { ConfigError } from '../../core/config-error.ts';

/** The attributes a CAS 3.0 server released for the user: each name with its values, in order. */
export type CasAttributes = ReadonlyMap<string, readonly string[]>;

/** What a validation answer says. */
export type CasOutcome =
  | { readonly ok: true; readonly user: string; readonly attributes: CasAttributes }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** The answer is not a CAS answer at all: the server, or something in front of it, is broken. */
export class CasProtocolError extends Error {
  override readonly name = 'CasProtocolError';
}

/**
 * Reads a CAS 1.0 `/validate` answer.
 *
 * @throws {CasProtocolError} when the text is neither `yes` with a user nor `no`.
 * @example
 * ```ts
 * import { parseValidateText } from './response.ts';
 * parseValidateText('yes\ntest\n'); // { ok: true, user: 'test', attributes: Map {} }
 * ```
 */
export function parseValidateText(text: string): CasOutcome {
  const lines = text.split(/\r?\n/);
  if (lines[0] === 'yes') {
    const user = lines[1] ?? '';
    if (user === '') throw new CasProtocolError('CAS 1.0 answer "yes" without a user name');
    return { ok: true, user, attributes: new Map() };
  }
  if (lines[0] === 'no') {
    return { ok: false, code: 'INVALID_TICKET', message: 'the CAS server refused the ticket' };
  }
  throw new CasProtocolError('not a CAS 1.0 answer: the first line is neither "yes" nor "no"');
}

let cheerio: typeof CheerioModule | undefined;

/**
 * Loads cheerio (an optional peer dependency), once.
 *
 * @throws {ConfigError} `TROWEL_ERR_AUTH_CAS_NO_CHEERIO` when it is not installed.
 */
export function loadCheerio(
  load: (id: string) => unknown = createRequire(import.meta.url),
): typeof CheerioModule {
  if (cheerio !== undefined) return cheerio;
  try {
    return (cheerio = load('cheerio') as typeof CheerioModule);
  } catch (error) {
    throw new ConfigError(
      'TROWEL_ERR_AUTH_CAS_NO_CHEERIO',
      'casAuth() with protocol 2 or 3 reads XML with the optional peer dependency "cheerio": ' +
        'npm install cheerio (or use protocol: 1)',
      { cause: error },
    );
  }
}

/** The part of htmlparser2's DOM this module reads. */
interface XmlNode {
  readonly type: string;
  readonly name?: string;
  readonly data?: string;
  readonly attribs?: Readonly<Record<string, string>>;
  readonly children?: readonly XmlNode[];
}

interface XmlElement extends XmlNode {
  readonly name: string;
  readonly attribs: Readonly<Record<string, string>>;
  readonly children: readonly XmlNode[];
}

function isElement(node: XmlNode): node is XmlElement {
  return node.type === 'tag' && node.name !== undefined;
}

function localName(element: XmlElement): string {
  const colon = element.name.indexOf(':');
  return colon === -1 ? element.name : element.name.slice(colon + 1);
}

function childElements(node: XmlNode): XmlElement[] {
  return (node.children ?? []).filter(isElement);
}

function child(element: XmlElement, name: string): XmlElement | undefined {
  return childElements(element).find((c) => localName(c) === name);
}

/** The element's text: its text and CDATA descendants, entities already decoded by the parser. */
function textOf(node: XmlNode): string {
  if (node.type === 'text') return node.data ?? '';
  return (node.children ?? []).map(textOf).join('');
}

/**
 * Reads a CAS 2.0/3.0 `/serviceValidate` XML answer. Attributes come from `<cas:attributes>`, in
 * both the CAS 3.0 form (`<cas:email>a@b</cas:email>`, repeated for several values) and the older
 * `<cas:attribute name="email" value="a@b"/>` form; a name given both ways is not doubled.
 *
 * @throws {CasProtocolError} when the document is not a CAS service response.
 * @example
 * ```ts
 * import { parseServiceResponse } from './response.ts';
 * parseServiceResponse(
 *   '<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess>' +
 *     '<cas:user>test</cas:user></cas:authenticationSuccess></cas:serviceResponse>',
 * ); // { ok: true, user: 'test', attributes: Map {} }
 * ```
 */
export function parseServiceResponse(xml: string): CasOutcome {
  const document = loadCheerio().load(xml, { xml: true }).root()[0] as unknown as XmlNode;
  const root = childElements(document)[0];
  if (root === undefined || localName(root) !== 'serviceResponse') {
    throw new CasProtocolError('not a CAS service response: no <cas:serviceResponse> root');
  }
  const success = child(root, 'authenticationSuccess');
  if (success !== undefined) {
    const userElement = child(success, 'user');
    const user = userElement === undefined ? '' : textOf(userElement).trim();
    if (user === '') throw new CasProtocolError('CAS authenticationSuccess without a user name');
    return { ok: true, user, attributes: readAttributes(success) };
  }
  const failure = child(root, 'authenticationFailure');
  if (failure !== undefined) {
    return {
      ok: false,
      code: failure.attribs['code'] ?? 'UNKNOWN',
      message: textOf(failure).trim(),
    };
  }
  throw new CasProtocolError('CAS service response with neither success nor failure');
}

function readAttributes(success: XmlElement): CasAttributes {
  const elements = new Map<string, string[]>();
  const pairs = new Map<string, string[]>();
  const add = (map: Map<string, string[]>, name: string, value: string): void => {
    const values = map.get(name);
    if (values === undefined) map.set(name, [value]);
    else values.push(value);
  };
  const block = child(success, 'attributes');
  if (block !== undefined) {
    for (const element of childElements(block)) {
      add(elements, localName(element), textOf(element).trim());
    }
  }
  for (const element of childElements(success)) {
    const name = element.attribs['name'];
    if (localName(element) === 'attribute' && name !== undefined) {
      add(pairs, name, element.attribs['value'] ?? '');
    }
  }
  for (const [name, values] of pairs) if (!elements.has(name)) elements.set(name, values);
  return elements;
}
