import { describe, expect, it } from 'vitest';
import type { CpuProfile } from './profiler.ts';
import { summarizeProfile } from './summary.ts';

const frame = (functionName: string, url = '', lineNumber = 0) => ({
  functionName,
  scriptId: '1',
  url,
  lineNumber,
  columnNumber: 0,
});

/** root → main → hot → main (recursion), root → (garbage collector). */
const PROFILE: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 5] },
    { id: 2, callFrame: frame('main', 'file:///app/a.js', 0), children: [3] },
    { id: 3, callFrame: frame('hot', 'file:///app/a.js', 9), children: [4] },
    { id: 4, callFrame: frame('main', 'file:///app/a.js', 0) },
    { id: 5, callFrame: frame('(garbage collector)') },
  ],
  startTime: 0,
  endTime: 600,
  samples: [3, 3, 4, 5, 2],
  // Stamps 10, 110, 210, 310, 410: each sample weighs the time to the next, the last to endTime.
  timeDeltas: [10, 100, 100, 100, 100],
};

describe('summarizeProfile', () => {
  it('ranks functions by self time, a sample weighing the time to the next', () => {
    expect(summarizeProfile(PROFILE, 10).bySelf).toEqual([
      { functionName: 'main', location: 'file:///app/a.js:1', selfTime: 0.29, totalTime: 0.49 },
      { functionName: 'hot', location: 'file:///app/a.js:10', selfTime: 0.2, totalTime: 0.3 },
      { functionName: '(garbage collector)', location: '', selfTime: 0.1, totalTime: 0.1 },
    ]);
  });

  it('counts a recursive function once per sample in its total time', () => {
    const main = summarizeProfile(PROFILE, 10).byTotal[0];
    expect(main).toMatchObject({ functionName: 'main', totalTime: 0.49 });
  });

  it('leaves out the root, which stands for the whole profile', () => {
    const { byTotal } = summarizeProfile(PROFILE, 10);
    expect(byTotal.map((row) => row.functionName)).toEqual(['main', 'hot', '(garbage collector)']);
  });

  it('reports the duration and the sample count', () => {
    expect(summarizeProfile(PROFILE, 10)).toMatchObject({ duration: 0.6, samples: 5 });
  });

  it('shows at most limit rows per table', () => {
    const summary = summarizeProfile(PROFILE, 1);
    expect([summary.bySelf.length, summary.byTotal.length]).toEqual([1, 1]);
  });

  it('keeps functions of the same name in different places apart', () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2, 3] },
        { id: 2, callFrame: frame('render', 'file:///a.js', 4) },
        { id: 3, callFrame: frame('render', 'file:///b.js', 4) },
      ],
      startTime: 0,
      endTime: 30,
      samples: [2, 3, 3],
      timeDeltas: [0, 10, 10],
    };
    expect(summarizeProfile(profile, 5).bySelf.map((row) => row.location)).toEqual([
      'file:///b.js:5',
      'file:///a.js:5',
    ]);
  });

  it('names an unnamed function (anonymous)', () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2] },
        { id: 2, callFrame: frame('', 'file:///a.js', 0) },
      ],
      startTime: 0,
      endTime: 10,
      samples: [2],
      timeDeltas: [0],
    };
    expect(summarizeProfile(profile, 5).bySelf[0]?.functionName).toBe('(anonymous)');
  });

  it('ignores a negative weight from out-of-order deltas', () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2] },
        { id: 2, callFrame: frame('f', 'file:///a.js', 0) },
      ],
      startTime: 0,
      endTime: 20,
      samples: [2, 2, 2],
      timeDeltas: [10, -5, 10],
    };
    // Stamps 10, 5, 15: weights 0 (clamped), 10, 5.
    expect(summarizeProfile(profile, 5).bySelf[0]?.selfTime).toBe(0.015);
  });

  it('falls back to hit counts when the profile has no samples', () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2] },
        { id: 2, callFrame: frame('f', 'file:///a.js', 0), hitCount: 3, children: [3] },
        { id: 3, callFrame: frame('g', 'file:///a.js', 5), hitCount: 1 },
      ],
      startTime: 0,
      endTime: 400,
    };
    const { bySelf, byTotal } = summarizeProfile(profile, 5);
    expect(bySelf.map((row) => [row.functionName, row.selfTime])).toEqual([
      ['f', 0.3],
      ['g', 0.1],
    ]);
    expect(byTotal[0]).toMatchObject({ functionName: 'f', totalTime: 0.4 });
  });

  it('summarizes an empty profile to empty tables', () => {
    const profile: CpuProfile = {
      nodes: [{ id: 1, callFrame: frame('(root)') }],
      startTime: 5,
      endTime: 5,
      samples: [],
      timeDeltas: [],
    };
    expect(summarizeProfile(profile, 5)).toEqual({
      duration: 0,
      samples: 0,
      bySelf: [],
      byTotal: [],
    });
  });
});
