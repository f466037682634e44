import { describe, expect, it } from 'vitest';
import { forwardedNode, responseHeaders, viaHas } from './headers.ts';

describe('forwardedNode', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['2001:db8::1', '"[2001:db8::1]"'],
    ['', 'unknown'],
    ['_hidden', '_hidden'],
    ['odd value"', '"odd value\\""'],
  ])('writes %j as %j', (address, node) => {
    expect(forwardedNode(address)).toBe(node);
  });
});

describe('viaHas', () => {
  it.each([
    ['1.1 trowel', true],
    ['1.0 fred, 1.1 TROWEL (trowel/0.1)', true],
    ['HTTP/1.1 trowel', true],
    ['1.1 trowel-edge', false],
    ['1.1 other (trowel)', false],
    ['', false],
  ])('finds trowel in %j: %s', (value, found) => {
    expect(viaHas(value, 'trowel')).toBe(found);
  });
});

describe('responseHeaders', () => {
  const plain = { via: undefined, rewriteLocation: undefined, rewriteCookies: undefined };

  it('drops a field Fetch refuses and says which', () => {
    const { headers, dropped } = responseHeaders({ 'bad name': 'x', ok: 'yes' }, plain);
    expect([...headers]).toEqual([['ok', 'yes']]);
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toMatch(/^bad name: /);
  });

  it('keeps Connection and Upgrade for a 101 and adds no Via', () => {
    const { headers } = responseHeaders(
      {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'keep-alive': 'x',
        'sec-websocket-accept': 'k',
      },
      { ...plain, upgrade: true, via: 'trowel' },
    );
    expect([...headers]).toEqual([
      ['connection', 'Upgrade'],
      ['sec-websocket-accept', 'k'],
      ['upgrade', 'websocket'],
    ]);
  });
});
