import { describe, expect, it } from 'vitest';
import { trustCheck } from './trust.ts';

describe('trustCheck', () => {
  it.each([
    [['10.0.0.0/8'], '10.1.2.3', true],
    [['10.0.0.0/8'], '11.0.0.1', false],
    [['10.0.0.0/8'], '::ffff:10.1.2.3', true],
    [['192.0.2.7'], '192.0.2.7', true],
    [['192.0.2.7'], '192.0.2.8', false],
    [['2001:db8::/32'], '2001:db8:1::1', true],
    [['2001:db8::/32'], '2001:db9::1', false],
    [['::ffff:10.0.0.0/104'], '10.9.9.9', true],
    [['loopback'], '127.0.0.1', true],
    [['loopback'], '127.8.9.10', true],
    [['loopback'], '::1', true],
    [['loopback'], '10.0.0.1', false],
    [['private'], '172.16.5.4', true],
    [['private'], '172.32.0.1', false],
    [['private'], 'fd12::1', true],
    [['Private'], '192.168.0.1', true],
    [[], '127.0.0.1', false],
    [['10.0.0.0/8'], '', false],
    [['10.0.0.0/8'], 'unknown', false],
  ])('with %j says %j is %s', (entries, address, expected) => {
    expect(trustCheck(entries)(address)).toBe(expected);
  });

  it.each(['10.0.0.0/33', '10.0.0.0/8/8', 'example.com', '10.0.0.0/x', '::1/129', ''])(
    'refuses the entry %j',
    (entry) => {
      expect(() => trustCheck([entry])).toThrow(/trustedProxies/);
    },
  );
});
