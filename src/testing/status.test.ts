import { describe, expect, it } from 'vitest';
import {
  bodyExcerpt,
  describeExpectation,
  formatHeaders,
  statusMatches,
  validateExpectation,
  type StatusExpectation,
} from './status.ts';

describe('statusMatches', () => {
  it.each<[StatusExpectation | undefined, number, string, boolean]>([
    [undefined, 200, '', true],
    [undefined, 302, '', true],
    [undefined, 399, '', true],
    [undefined, 199, '', false],
    [undefined, 404, '', false],
    [undefined, 500, '', false],
    [404, 404, '', true],
    [404, 200, '', false],
    [[200, 201], 201, '', true],
    [[200, 201], 204, '', false],
    ['*', 599, '', true],
    ['4*', 404, '', true],
    ['4*', 200, '', false],
    ['3*', 303, '', true],
    ['2*', 204, '', true],
    ['40?', 404, '', true],
    ['40?', 410, '', false],
    ['200 OK', 200, '', true],
    ['200 ok', 200, 'OK', true],
    ['200 Fine', 200, 'Fine', true],
    ['200 OK', 200, 'Fine', false],
    ['200', 200, 'Fine', true],
    ['*not found', 404, '', true],
    ['2*', 200, 'A (weird) [reason]', true],
  ])('expectation %j against %i %j is %s', (expectation, status, text, expected) => {
    expect(statusMatches(expectation, status, text)).toBe(expected);
  });
});

describe('validateExpectation', () => {
  it.each<StatusExpectation>([99, 600, 200.5, [200, 1000], '', '  '])(
    'refuses %j',
    (expectation) => {
      expect(() => {
        validateExpectation(expectation);
      }).toThrow(TypeError);
    },
  );

  it.each<StatusExpectation>([200, [200, 404], '4*', '*'])('accepts %j', (expectation) => {
    expect(() => {
      validateExpectation(expectation);
    }).not.toThrow();
  });
});

describe('failure message parts', () => {
  it.each<[StatusExpectation | undefined, string]>([
    [undefined, '2xx or 3xx'],
    [404, '404'],
    ['4*', '4*'],
    [[200, 201], 'one of 200, 201'],
  ])('describes %j as %j', (expectation, text) => {
    expect(describeExpectation(expectation)).toBe(text);
  });

  it('shows a text body as text', () => {
    expect(bodyExcerpt(new TextEncoder().encode('boom'), 'text/plain')).toBe('boom');
  });

  it('shows a binary body as a byte count', () => {
    expect(bodyExcerpt(new Uint8Array(3), 'image/png')).toBe('(3 bytes of image/png)');
  });

  it('says when there is no body', () => {
    expect(bodyExcerpt(new Uint8Array(0), null)).toBe('(no body)');
  });

  it('cuts a long body', () => {
    const text = bodyExcerpt(new TextEncoder().encode('x'.repeat(5000)), 'application/json');
    expect(text).toMatch(/^x{2000}… \(5000 bytes\)$/);
  });

  it('lists every Set-Cookie on its own line', () => {
    const headers = new Headers([
      ['content-type', 'text/plain'],
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
    ]);
    expect(formatHeaders(headers)).toBe(
      'content-type: text/plain\nset-cookie: a=1\nset-cookie: b=2',
    );
  });
});
