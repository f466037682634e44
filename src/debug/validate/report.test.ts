import { describe, expect, it } from 'vitest';
import { htmlBlock, summary, textReport, toFindings, type HtmlFinding } from './report.ts';

const finding = (changes: Partial<HtmlFinding> = {}): HtmlFinding => ({
  line: 1,
  column: 1,
  rule: 'no-dup-attr',
  severity: 'error',
  message: 'Attribute "id" duplicated',
  ruleUrl: 'https://html-validate.org/rules/no-dup-attr.html',
  ...changes,
});

describe('toFindings()', () => {
  it('puts the messages in page order and names their severity', () => {
    const findings = toFindings([
      { ruleId: 'b', severity: 1, message: 'm2', line: 3, column: 1 },
      { ruleId: 'a', severity: 2, message: 'm1', line: 1, column: 9, ruleUrl: 'https://x/a' },
      { ruleId: 'c', severity: 2, message: 'm0', line: 1, column: 2 },
    ]);
    expect(findings.map((f) => [f.rule, f.severity, f.line, f.column])).toEqual([
      ['c', 'error', 1, 2],
      ['a', 'error', 1, 9],
      ['b', 'warning', 3, 1],
    ]);
  });
});

describe('summary()', () => {
  it.each([
    [[finding()], '1 error, 0 warnings'],
    [[finding(), finding(), finding({ severity: 'warning' })], '2 errors, 1 warning'],
  ])('counts errors and warnings (%#)', (findings, expected) => {
    expect(summary(findings)).toBe(expected);
  });
});

describe('htmlBlock()', () => {
  it('links a rule only to an https documentation page', () => {
    const block = htmlBlock([finding({ ruleUrl: 'javascript:alert(1)' }), finding()]);
    expect(block).not.toContain('javascript:');
    expect(block).toContain('<a href="https://html-validate.org/rules/no-dup-attr.html"');
  });

  it('escapes the rule and the message', () => {
    const block = htmlBlock([finding({ rule: '<r>', message: '<b>&"\'', ruleUrl: undefined })]);
    expect(block).toContain('&lt;r&gt;: &lt;b&gt;&amp;&quot;&#39;</li>');
  });

  it('says, escaped, why a page could not be checked', () => {
    expect(htmlBlock([], 'bad <input>')).toContain(
      'HTML validation failed</strong>bad &lt;input&gt;',
    );
  });
});

describe('textReport()', () => {
  it('writes one line per finding under a heading', () => {
    expect(textReport('GET', 'http://h/p', [finding({ line: 4, column: 2 })]).text).toBe(
      'HTML validation of GET http://h/p: 1 error, 0 warnings\n' +
        '  4:2 error no-dup-attr: Attribute "id" duplicated',
    );
  });

  it('keeps a line break quoted from the page out of the log', () => {
    const { text } = textReport('GET', 'http://h/', [finding({ message: 'a\nFAKE\x1b[2J' })]);
    expect(text.split('\n')).toHaveLength(2);
    expect(text).toContain('a\\x0aFAKE\\x1b[2J');
  });
});
