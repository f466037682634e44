/**
 * The findings of one validated page, as data ({@link HtmlFinding}), as an HTML block to append to
 * the page, and as text for a log. Everything taken from the page or the validator is escaped.
 */
import { escapeHtml } from '../../core/escape.ts';
import type { ValidatorMessage } from './load.ts';

/** One problem html-validate found in a page. */
export interface HtmlFinding {
  /** Line in the page as the application sent it, from 1. */
  readonly line: number;
  /** Column, from 1. */
  readonly column: number;
  /** The html-validate rule (`no-dup-attr`, `element-permitted-content`, …). */
  readonly rule: string;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  /** The rule's documentation page, when html-validate gives one. */
  readonly ruleUrl: string | undefined;
}

/** What the `log` function of `validateHtml({ mode: 'log' })` receives for one page. */
export interface HtmlValidationReport {
  /** The request method. */
  readonly method: string;
  /** The request URL. */
  readonly url: string;
  /** What was found, in page order; never empty. */
  readonly findings: readonly HtmlFinding[];
  /** The same as text: a heading line, then one indented line per finding; no final newline. */
  readonly text: string;
}

/** The findings in html-validate's messages, in page order. */
export function toFindings(messages: readonly ValidatorMessage[]): HtmlFinding[] {
  return messages
    .map((m) => ({
      line: m.line,
      column: m.column,
      rule: m.ruleId,
      severity: m.severity >= 2 ? ('error' as const) : ('warning' as const),
      message: m.message,
      ruleUrl: m.ruleUrl,
    }))
    .sort((a, b) => a.line - b.line || a.column - b.column);
}

function plural(n: number, word: string): string {
  return `${String(n)} ${word}${n === 1 ? '' : 's'}`;
}

/** `2 errors, 1 warning`. */
export function summary(findings: readonly HtmlFinding[]): string {
  const errors = findings.filter((f) => f.severity === 'error').length;
  return `${plural(errors, 'error')}, ${plural(findings.length - errors, 'warning')}`;
}

// A message quotes the page (attribute and element names), so a page could otherwise put a line
// break, or a terminal escape sequence, into the log.
// eslint-disable-next-line no-control-regex -- control characters are what this replaces
const CONTROL = /[\x00-\x1f\x7f]/g;

function oneLine(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** The report for a page, with its text form. */
export function textReport(
  method: string,
  url: string,
  findings: readonly HtmlFinding[],
): HtmlValidationReport {
  const lines = findings.map(
    (f) =>
      `  ${String(f.line)}:${String(f.column)} ${f.severity} ${oneLine(f.rule)}: ${oneLine(f.message)}`,
  );
  return {
    method,
    url,
    findings,
    text: [
      `HTML validation of ${oneLine(method)} ${oneLine(url)}: ${summary(findings)}`,
      ...lines,
    ].join('\n'),
  };
}

/** The id of the block appended to a page, for a stylesheet or a test to find it. */
export const BLOCK_ID = 'trowel-html-validation';

// Inline styles so the block reads the same on any page; `all: initial` keeps the page's own
// stylesheet from hiding or restyling it.
const BOX =
  'all:initial;display:block;margin:1em;padding:.5em 1em;border:2px solid #b00020;' +
  'background:#fff;color:#000;font:13px/1.5 ui-monospace,SFMono-Regular,Menlo,monospace';
const HEADING = 'display:block;font:bold 14px/1.5 system-ui,sans-serif;margin:.25em 0';

function ruleLink(finding: HtmlFinding): string {
  const rule = escapeHtml(finding.rule);
  // Only a link html-validate made to its own documentation; anything else stays text.
  const url = finding.ruleUrl;
  return url?.startsWith('https://') === true
    ? `<a href="${escapeHtml(url)}" style="color:#0645ad">${rule}</a>`
    : rule;
}

/** The HTML block listing `findings`, or a note that the page could not be checked. */
export function htmlBlock(findings: readonly HtmlFinding[], failure?: string): string {
  if (failure !== undefined) {
    return (
      `<section id="${BLOCK_ID}" style="${BOX}"><strong style="${HEADING}">HTML validation ` +
      `failed</strong>${escapeHtml(failure)}</section>`
    );
  }
  const items = findings
    .map(
      (f) =>
        `<li>${String(f.line)}:${String(f.column)} <strong>${f.severity}</strong> ` +
        `${ruleLink(f)}: ${escapeHtml(f.message)}</li>`,
    )
    .join('');
  return (
    `<section id="${BLOCK_ID}" style="${BOX}"><strong style="${HEADING}">HTML validation: ` +
    `${summary(findings)}</strong><ol style="margin:0;padding-left:2em">${items}</ol></section>`
  );
}
