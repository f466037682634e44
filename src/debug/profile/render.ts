/**
 * The HTML that `profile()` puts into a page: the two tables of a {@link ProfileSummary} and where
 * the `.cpuprofile` file went. Everything interpolated is escaped.
 */
import { pathToFileURL } from 'node:url';
import { escapeHtml } from '../../core/escape.ts';
import type { ProfileRow, ProfileSummary } from './summary.ts';

/** What the page says besides the tables. */
export interface ProfileReport {
  readonly method: string;
  readonly path: string;
  /** The saved file, or `undefined` when it could not be saved. */
  readonly file: string | undefined;
  /** Why the file could not be saved. */
  readonly saveError: string | undefined;
}

const BOX =
  'all:initial;display:block;margin:1em 0;padding:.5em 1em;border-top:2px solid #555;' +
  'background:#fafafa;color:#111;font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace';
const TABLE = 'border-collapse:collapse;margin:.5em 0 1em;font:inherit';
const CELL = 'padding:1px 10px 1px 0;text-align:left;vertical-align:top';
const NUMBER = 'padding:1px 10px 1px 0;text-align:right;white-space:nowrap';

/** The fragment for one profiled request. */
export function renderProfile(summary: ProfileSummary, report: ProfileReport): string {
  const saved =
    report.file === undefined
      ? `<p style="color:#a00">The profile could not be saved: ${escapeHtml(report.saveError ?? 'unknown error')}</p>`
      : `<p>Saved to <code>${escapeHtml(report.file)}</code>: open it in Chrome DevTools (Performance panel, “Load profile”).</p>`;
  return (
    `<section id="trowel-profile-report" style="${BOX}">` +
    `<h2 style="font-weight:bold;font-size:15px;margin:.3em 0">Profile of ${escapeHtml(report.method)} ${escapeHtml(report.path)}: ` +
    `${ms(summary.duration)} ms, ${String(summary.samples)} samples</h2>` +
    '<p>The profile covers the whole process while this request ran, other requests included.</p>' +
    saved +
    table('By self time', summary.bySelf, summary.duration) +
    table('By total time', summary.byTotal, summary.duration) +
    '</section>'
  );
}

function table(caption: string, rows: readonly ProfileRow[], duration: number): string {
  const head =
    `<tr><th style="${NUMBER}">self ms</th><th style="${NUMBER}">self %</th>` +
    `<th style="${NUMBER}">total ms</th><th style="${NUMBER}">total %</th>` +
    `<th style="${CELL}">function</th><th style="${CELL}">location</th></tr>`;
  const body = rows
    .map(
      (row) =>
        `<tr><td style="${NUMBER}">${ms(row.selfTime)}</td><td style="${NUMBER}">${percent(row.selfTime, duration)}</td>` +
        `<td style="${NUMBER}">${ms(row.totalTime)}</td><td style="${NUMBER}">${percent(row.totalTime, duration)}</td>` +
        `<td style="${CELL}">${escapeHtml(row.functionName)}</td><td style="${CELL}">${escapeHtml(shorten(row.location))}</td></tr>`,
    )
    .join('');
  return (
    `<table style="${TABLE}"><caption style="text-align:left;font-weight:bold">${caption}</caption>` +
    `<thead>${head}</thead><tbody>${body}</tbody></table>`
  );
}

function ms(value: number): string {
  return value.toFixed(1);
}

function percent(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '';
}

/** A location under the working directory, shown relative to it. */
function shorten(location: string): string {
  const cwd = `${pathToFileURL(process.cwd()).href}/`;
  if (location.startsWith(cwd)) return location.slice(cwd.length);
  const plain = `${process.cwd()}/`;
  return location.startsWith(plain) ? location.slice(plain.length) : location;
}
