// limitHeapGrowth, in child processes (the flag is per process): the same
// allocation, a live set with a steady churn of garbage, reaches a far larger
// heap under V8's own heuristics than under a 50% growth factor.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { limitHeapGrowth } from './heap-growth';

const MODULE = path.join(__dirname, 'heap-growth.ts');

/** The largest total heap (MiB) a child reaches while holding ~60 MiB and allocating ~2 GiB of garbage. */
function largestHeapMiB(percent: number): number {
  const script = `
    const v8 = require('node:v8');
    require(${JSON.stringify(MODULE)}).limitHeapGrowth(${percent});
    const live = [];
    for (let i = 0; i < 400000; i++) live.push({ i, s: 'live-' + i, pair: [i, i] });
    let largest = 0;
    const recent = [];
    for (let round = 0; round < 60; round++) {
      const garbage = [];
      for (let i = 0; i < 200000; i++) garbage.push({ i, s: 'garbage-' + i, one: [i] });
      recent.push(garbage);
      if (recent.length > 2) recent.shift();
      largest = Math.max(largest, v8.getHeapStatistics().total_heap_size);
    }
    process.stdout.write(String(largest / 2 ** 20));`;
  return Number(execFileSync(process.execPath, ['-r', '@swc-node/register', '-e', script], { encoding: 'utf8' }));
}

describe('limitHeapGrowth', () => {
  jest.setTimeout(60_000);

  it('keeps a heap far closer to its live size than V8 left to itself', () => {
    const unlimited = largestHeapMiB(0);
    const limited = largestHeapMiB(50);
    expect(limited).toBeLessThan(unlimited * 0.7);
  });

  it('refuses a growth that is not a whole percent', () => {
    expect(() => limitHeapGrowth(-1)).toThrow(RangeError);
    expect(() => limitHeapGrowth(12.5)).toThrow(RangeError);
  });
});
