/**
 * The HTML pages of `errors()`: the production page (a message and the identification code, no
 * detail), and the debug page in two layouts, `html` (innermost frame first, as `error.stack`
 * reads) and `cgitb` (Python's cgitb look: oldest call first, more source around each). The debug
 * page is also the HTML part of the error mail.
 *
 * Every value from the error, the request or a file goes through `escapeHtml`; nothing is put
 * in an attribute, a URL, a script or a style. The pages have no script at all (collapsing uses
 * `<details>`), and the response carries a Content-Security-Policy that forbids scripts, so even
 * a mistake here could not run one.
 */
import { escapeHtml } from '../core/escape.ts';
import type { ErrorEntry, ErrorReport, ReportFrame } from './report.ts';
import type { SourceExcerpt } from './source.ts';
import {
  contextFields,
  entryTitle,
  formatText,
  frameTitle,
  ownFrames,
  position,
  relationLabel,
} from './text.ts';

const e = escapeHtml;

/** The fields sent with every error page: never cached, never sniffed, never scripted. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

const BASE_STYLE = `
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d1d1f;background:#fafafa}
main,header,footer{max-width:72rem;margin:0 auto;padding:0 1.25rem}
code,pre,.mono{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;font-size:13px}
table{border-collapse:collapse;width:100%}td,th{text-align:left;vertical-align:top;padding:.2rem .6rem;border-bottom:1px solid #e5e5e5}
th{width:14rem;font-weight:600;color:#555}td{word-break:break-all}`;

const HTML_STYLE = `${BASE_STYLE}
header{padding-top:1.5rem;padding-bottom:1rem;border-bottom:3px solid #c0392b;background:#fff;max-width:none}
header>*{max-width:72rem;margin-left:auto;margin-right:auto}
.status{color:#c0392b;font-weight:600;margin:0}.status span{color:#666;font-weight:400}
h1{font-size:1.6rem;margin:.3rem auto}h2{font-size:1.1rem;margin:1.8rem 0 .6rem}
.message{white-space:pre-wrap;font-size:1.05rem;margin:0 auto}
.frame{background:#fff;border:1px solid #e2e2e2;border-radius:6px;margin:.5rem 0;overflow:hidden}
.where{margin:0;padding:.4rem .7rem;background:#f4f4f6}.fn{font-weight:600}.file{color:#555}
.built{margin:0;padding:.1rem .7rem;color:#777;font-size:12px}
pre.source{margin:0;padding:.4rem 0;overflow-x:auto}pre.source>span{display:block;padding:0 .7rem}
.no{display:inline-block;min-width:3.5em;color:#999;user-select:none}
.here{background:#fde2e0}.caret{color:#c0392b}
details.library>summary{cursor:pointer;color:#666;margin:.4rem 0}
.cause{border-left:3px solid #e0a800;padding-left:1rem}
footer{color:#777;font-size:13px;padding-top:2rem;padding-bottom:2rem}
details.text pre{background:#fff;border:1px solid #e2e2e2;padding:.7rem;overflow-x:auto}`;

const CGITB_STYLE = `${BASE_STYLE}
body{background:#f0f0f8}
.banner{background:#6622aa;color:#fff;padding:.6rem 1.25rem;display:flex;justify-content:space-between;align-items:flex-end}
.banner h1{margin:0;font-size:2rem}.banner p{margin:0;text-align:right;font-size:13px}
.frame{margin:.8rem 0}.where{background:#d8bbff;margin:0;padding:.2rem .5rem}
pre.source{margin:0;color:#909090;overflow-x:auto}pre.source>span{display:block}.here{background:#ffccee;color:#000}
.no{display:inline-block;min-width:4em}.caret{color:#6622aa}
.cause{border-top:2px solid #6622aa}footer{color:#666;font-size:13px;padding:1.5rem 1.25rem}`;

function sourceHtml(source: SourceExcerpt, arrow: string): string {
  const rows: string[] = [];
  source.lines.forEach((text, index) => {
    const number = source.firstLine + index;
    if (number !== source.line) {
      rows.push(`<span><span class="no">${String(number)}</span>${e(text)}</span>`);
      return;
    }
    rows.push(
      `<span class="here"><span class="no">${arrow}${String(number)}</span>${e(text)}</span>`,
    );
    if (source.column !== undefined && source.column > 0) {
      const lead = text.slice(0, source.column - 1).replace(/[^\t]/g, ' ');
      rows.push(`<span class="caret"><span class="no"></span>${e(lead)}^</span>`);
    }
  });
  return `<pre class="source">${rows.join('')}</pre>`;
}

function frameHtml(frame: ReportFrame, arrow: string): string {
  let where: string;
  if (frame.file === undefined) {
    where = `<code>${e(frameTitle(frame))}</code>`;
  } else {
    const lead = frame.async ? 'async ' : '';
    const fn =
      frame.function === undefined
        ? `${lead}(anonymous)`
        : `${lead}${frame.construct ? 'new ' : ''}${frame.function}`;
    where = `<code class="fn">${e(fn)}</code> in <code class="file">${e(frame.file)}${e(position(frame.line, frame.column))}</code>`;
  }
  const built =
    frame.generated === undefined
      ? ''
      : `<p class="built mono">built: ${e(frame.generated.file)}${e(position(frame.generated.line, frame.generated.column))}</p>`;
  const source = frame.source === undefined ? '' : sourceHtml(frame.source, arrow);
  return `<div class="frame${frame.library ? ' library' : ''}"><p class="where">${where}</p>${built}${source}</div>`;
}

/** Frames in order, with each run of library frames folded into one `<details>`. */
function framesHtml(frames: readonly ReportFrame[], arrow: string): string {
  const out: string[] = [];
  let run: ReportFrame[] = [];
  const flush = (): void => {
    if (run.length === 0) return;
    const label = run.length === 1 ? '1 frame' : `${String(run.length)} frames`;
    out.push(
      `<details class="library"><summary>${label} in Node.js or packages</summary>${run.map((f) => frameHtml(f, arrow)).join('')}</details>`,
    );
    run = [];
  };
  for (const frame of frames) {
    if (frame.library && frame.source === undefined) {
      run.push(frame);
      continue;
    }
    flush();
    out.push(frameHtml(frame, arrow));
  }
  flush();
  return out.join('');
}

function table(rows: readonly (readonly [string, string])[]): string {
  if (rows.length === 0) return '';
  const body = rows.map(
    ([name, value]) => `<tr><th>${e(name)}</th><td class="mono">${e(value)}</td></tr>`,
  );
  return `<table>${body.join('')}</table>`;
}

function entryHtml(
  entry: ErrorEntry,
  first: ErrorEntry | undefined,
  index: number,
  cgitb: boolean,
): string {
  const own = ownFrames(entry, first);
  const frames = cgitb ? [...own.frames].reverse() : own.frames;
  const common =
    own.common === 0
      ? ''
      : `<p class="built">… ${String(own.common)} more frames, as in the first error</p>`;
  const arrow = cgitb ? '=&gt; ' : '';
  const heading =
    index === 0
      ? `<h2>${cgitb ? 'Calls, oldest first' : 'Traceback, innermost first'}</h2>`
      : `<h2>${e(relationLabel(entry))}: ${e(entry.name)}</h2><p class="message">${e(entry.message)}</p>`;
  const stack = entry.stack === undefined ? '' : `<pre>${e(entry.stack)}</pre>`;
  const properties =
    entry.properties.length === 0
      ? ''
      : `<h2>Properties of ${e(entry.name)}</h2><div class="properties">${table(entry.properties)}</div>`;
  return `<section${index > 0 ? ' class="cause"' : ''}>${heading}${cgitb ? common : ''}${framesHtml(frames, arrow)}${cgitb ? '' : common}${stack}${properties}</section>`;
}

function detailsHtml(report: ErrorReport): string {
  const out: string[] = [];
  const { request } = report;
  if (request !== undefined) {
    out.push(
      `<section class="request"><h2>Request</h2><p><code>${e(request.method)} ${e(request.url)}</code></p>${table(request.headers)}</section>`,
    );
  }
  if (report.context !== undefined) {
    out.push(`<section class="context"><h2>Context</h2>${table(contextFields(report))}</section>`);
  }
  out.push(
    `<details class="text"><summary>Text version</summary><pre>${e(formatText(report))}</pre></details>`,
  );
  return out.join('');
}

function page(title: string, style: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${e(title)}</title><style>${style}</style></head>
<body>${body}</body></html>
`;
}

function pageTitle(report: ErrorReport): string {
  const first = report.errors[0];
  const title = first === undefined ? 'Error' : (entryTitle(first).split('\n')[0] ?? '');
  const short = title.length > 120 ? `${title.slice(0, 120)}…` : title;
  return `${short} · ${report.identificationCode}`;
}

/**
 * The debug page: the error and its causes with every frame and the source around it, the
 * request and the context, and the text version. Everything in it is escaped; it has no script.
 *
 * @param layout `html` (innermost frame first) or `cgitb` (oldest call first).
 * @param why what the footer says about why the page is shown.
 * @example
 * ```ts
 * import { writeFile } from 'node:fs/promises';
 * import { collectReport, debugPage } from 'trowel/errors';
 * await writeFile('/tmp/report.html', debugPage(await collectReport(new Error('boom')), 'cgitb'));
 * ```
 */
export function debugPage(
  report: ErrorReport,
  layout: 'html' | 'cgitb',
  why = 'This page is shown because debug is on and the client is on the loopback interface.',
): string {
  const first = report.errors[0];
  const name = first?.name ?? 'Error';
  const message = first?.message ?? '';
  const when = report.date.toISOString();
  const phase = report.phase === 'body' ? ' · while sending the response body' : '';
  const { node, pid, hostname } = report.process;
  const entries = report.errors.map((entry, index) =>
    entryHtml(entry, report.errors[0], index, layout === 'cgitb'),
  );
  const footer = `<footer>${e(why)} Node.js ${e(node)}, pid ${String(pid)} on ${e(hostname)}.</footer>`;
  if (layout === 'cgitb') {
    const body = `<div class="banner"><h1>${e(name)}</h1><p>${e(report.identificationCode)}<br>Node.js ${e(node)}<br>${e(when)}${e(phase)}</p></div>
<main><p>A problem occurred in a Node.js program. Here is the sequence of function calls leading up to the error, in the order they occurred.</p>
<p class="message mono"><strong>${e(name)}</strong>: ${e(message)}</p>${entries.join('')}${detailsHtml(report)}</main>${footer}`;
    return page(pageTitle(report), CGITB_STYLE, body);
  }
  const body = `<header><p class="status">500 Internal Server Error <span>· ${e(report.identificationCode)} · ${e(when)}${e(phase)}</span></p><h1>${e(name)}</h1><p class="message">${e(message)}</p></header>
<main>${entries.join('')}${detailsHtml(report)}</main>${footer}`;
  return page(pageTitle(report), HTML_STYLE, body);
}

/** The production page: the configured message and the identification code, nothing else. */
export function productionPage(message: string, code: string): string {
  const style = `${BASE_STYLE}\nmain{padding-top:3rem}h1{font-size:1.5rem}.code{color:#666}`;
  return page(
    '500 Internal Server Error',
    style,
    `<main><h1>Internal Server Error</h1><p>${e(message)}</p><p class="code">Error code: <code>${e(code)}</code></p></main>`,
  );
}

/** The production page as plain text. */
export function productionText(message: string, code: string): string {
  return `Internal Server Error\n\n${message}\nError code: ${code}\n`;
}

/** What is appended to an HTML body that fails half-way, for a loopback client in debug mode. */
export function streamMarker(code: string): string {
  return `\n<hr><p style="font:14px system-ui,sans-serif;color:#c0392b"><strong>Error ${e(code)}</strong> while sending this page: the rest of it is missing. The report is in the log.</p>\n`;
}
