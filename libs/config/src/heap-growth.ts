// How far V8 lets a heap grow past what survived its last full collection.
// Left to itself, under a steady allocation rate V8 grows a heap to up to four
// times its live size before collecting it again: measured on the API under
// the memory bench, 52–92 MiB live in a main heap of 220–380 MiB, most of the
// process's RSS. A fixed factor keeps each heap (main and worker threads: the
// flag is per process) near its live size, for collections that come more
// often and run mostly concurrently (docs/benchmarks.md, "Where the memory is").
import { setFlagsFromString } from 'node:v8';

/** Sets V8's heap growing factor to 1 + percent/100 for every isolate of this process; 0 leaves V8's own heuristics. */
export function limitHeapGrowth(percent: number): void {
  if (!Number.isInteger(percent) || percent < 0) throw new RangeError(`heap growth must be a whole percent ≥ 0; got ${percent}`);
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}
