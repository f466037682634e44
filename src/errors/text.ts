/**
 * The plain-text form of an error report: what goes to the log, the text part of the mail, and
 * the debug page for clients that do not ask for HTML (curl, scripts).
 */
import type { ErrorEntry, ErrorReport, ReportFrame } from './report.ts';
import type { SourceExcerpt } from './source.ts';

/** `name (file:line:column)`, as a V8 stack line would say it. */
export function frameTitle(frame: ReportFrame): string {
  if (frame.file === undefined) return frame.raw.replace(/^at /, '');
  const where = `${frame.file}${position(frame.line, frame.column)}`;
  const lead = frame.async ? 'async ' : '';
  if (frame.function === undefined) return `${lead}${where}`;
  return `${lead}${frame.construct ? 'new ' : ''}${frame.function} (${where})`;
}

/**
 * The frames of `entry` to show, without the outer frames it shares with `first` (a cause made
 * in the same call as the error that wraps it repeats them), and how many were left out. Stacks
 * are cut at `Error.stackTraceLimit` frames, so the shared run may end at different depths: it
 * only has to match until one of the two stacks ends.
 */
export function ownFrames(
  entry: ErrorEntry,
  first: ErrorEntry | undefined,
): { readonly frames: readonly ReportFrame[]; readonly common: number } {
  const a = entry.frames;
  if (first === undefined || first === entry) return { frames: a, common: 0 };
  const b = first.frames;
  for (let i = 1; i < a.length - 1; i += 1) {
    const j = b.findIndex((frame) => frame.raw === a[i]?.raw);
    if (j < 0) continue;
    let k = 0;
    while (i + k < a.length && j + k < b.length && a[i + k]?.raw === b[j + k]?.raw) k += 1;
    if (i + k === a.length || j + k === b.length)
      return { frames: a.slice(0, i), common: a.length - i };
  }
  return { frames: a, common: 0 };
}

/** `:line:column`, or as much of it as is known. */
export function position(line: number | undefined, column: number | undefined): string {
  if (line === undefined) return '';
  return column === undefined ? `:${String(line)}` : `:${String(line)}:${String(column)}`;
}

/** The header line of an entry: `Name: message`. */
export function entryTitle(entry: ErrorEntry): string {
  return entry.message === '' ? entry.name : `${entry.name}: ${entry.message}`;
}

/** The lead-in of an entry after the first: `Caused by`, `errors[0] of the above`. */
export function relationLabel(entry: ErrorEntry): string {
  return entry.relation === 'cause' ? 'Caused by' : `${entry.relation} of the error above`;
}

function indent(text: string, by: string): string {
  return text.replace(/\n/g, `\n${by}`);
}

function sourceLines(source: SourceExcerpt, by: string): string[] {
  const width = String(source.firstLine + source.lines.length - 1).length;
  const out: string[] = [];
  source.lines.forEach((text, index) => {
    const number = source.firstLine + index;
    const here = number === source.line;
    out.push(`${by}${here ? '>' : ' '} ${String(number).padStart(width)} | ${text}`);
    if (here && source.column !== undefined && source.column > 0) {
      // Tabs are kept under the caret so it lines up however wide the reader's tabs are.
      const lead = text.slice(0, source.column - 1).replace(/[^\t]/g, ' ');
      out.push(`${by}  ${' '.repeat(width)} | ${lead}^`);
    }
  });
  return out;
}

function entryLines(entry: ErrorEntry, first: ErrorEntry | undefined, sources: boolean): string[] {
  const out = [indent(entryTitle(entry), '  ')];
  const { frames, common } = ownFrames(entry, first);
  for (const frame of frames) {
    out.push(`    at ${frameTitle(frame)}`);
    if (frame.generated !== undefined) {
      const { file, line, column } = frame.generated;
      out.push(`       (built: ${file}${position(line, column)})`);
    }
    if (sources && frame.source !== undefined) out.push(...sourceLines(frame.source, '       '));
  }
  if (common > 0) out.push(`    … ${String(common)} more frames, as in the first error`);
  if (entry.stack !== undefined) out.push(indent(`  ${entry.stack}`, '  '));
  for (const [name, value] of entry.properties) {
    out.push(`  ${name}: ${indent(value, '    ')}`);
  }
  return out;
}

/**
 * The whole report as plain text.
 *
 * @param options.source include the source lines around each frame. @default true
 * @example
 * ```ts
 * import { collectReport, formatText } from 'trowel/errors';
 * process.stderr.write(formatText(await collectReport(new Error('boom'))));
 * ```
 */
export function formatText(
  report: ErrorReport,
  options: { readonly source?: boolean } = {},
): string {
  const sources = options.source ?? true;
  const out = [
    `Error ${report.identificationCode} at ${report.date.toISOString()}${report.phase === 'body' ? ', while the response body was being sent' : ''}`,
  ];
  report.errors.forEach((entry, index) => {
    out.push('');
    if (index > 0) out.push(`${relationLabel(entry)}:`);
    out.push(...entryLines(entry, report.errors[0], sources));
  });
  const { request, context } = report;
  if (request !== undefined) {
    out.push('', 'Request:', `  ${request.method} ${request.url}`);
    for (const [name, value] of request.headers) out.push(`  ${name}: ${value}`);
  }
  if (context !== undefined) {
    out.push('', 'Context:');
    for (const [name, value] of contextFields(report)) out.push(`  ${name}: ${value}`);
  }
  const { pid, node, platform, hostname } = report.process;
  out.push('', `Process: pid ${String(pid)} on ${hostname}, Node.js ${node}, ${platform}`, '');
  return out.join('\n');
}

/** The context fields worth showing, as name/value text pairs. */
export function contextFields(report: ErrorReport): [string, string][] {
  const { context } = report;
  if (context === undefined) return [];
  const fields: [string, string][] = [
    ['scriptName', JSON.stringify(context.scriptName)],
    ['pathInfo', JSON.stringify(context.pathInfo)],
    ['remoteAddr', `${context.remoteAddr} port ${String(context.remotePort)}`],
    ['scheme', context.scheme],
    ['host', context.host],
  ];
  if (context.remoteUser !== undefined) fields.push(['remoteUser', context.remoteUser]);
  if (context.authType !== undefined) fields.push(['authType', context.authType]);
  return fields;
}

/**
 * The one-line summary Paste wrote to `wsgi.errors`: `Error E-7hbj4 - Name: message` (the first
 * line of the message).
 *
 * @example
 * ```ts
 * import { collectReport, formatLine } from 'trowel/errors';
 * console.log(formatLine(await collectReport(new Error('boom')))); // Error E-… - Error: boom
 * ```
 */
export function formatLine(report: ErrorReport): string {
  const first = report.errors[0];
  const title = first === undefined ? 'unknown error' : (entryTitle(first).split('\n')[0] ?? '');
  return `Error ${report.identificationCode} - ${title}`;
}
