// Starts one of this library's worker entry points. Compiled (npm start), the
// worker is the .js file beside this one; run from the TypeScript sources
// (tests), it loads them through the same SWC hook as its parent.
import * as path from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { Worker, type WorkerOptions } from 'node:worker_threads';

const SOURCE_HOOK = ['-r', '@swc-node/register'];

/** `name`: the entry's file name without its extension, e.g. `model-fit.worker`. */
export function startWorkerThread(name: string, options: WorkerOptions = {}): Worker {
  const file = path.join(__dirname, `${name}${path.extname(__filename)}`);
  const fromSources = file.endsWith('.ts');
  const inherited = process.execArgv.some((arg) => arg.includes('@swc-node/register'));
  return new Worker(file, { ...options, ...(fromSources && !inherited ? { execArgv: [...process.execArgv, ...SOURCE_HOOK] } : {}) });
}

/**
 * A worker thread's V8 heap, as the thread last reported it. Each thread has
 * a heap of its own, which the process's heap metrics (the main thread's) leave out.
 */
export interface ThreadHeap {
  readonly thread: string;
  readonly usedBytes: number;
  readonly totalBytes: number;
}

/** Threads that report their heaps. */
export interface ThreadHeapSource {
  threadHeaps(): readonly ThreadHeap[];
}

/** The heap of the thread that calls it, to report to the thread that started it. */
export function heapOfThisThread(thread: string): ThreadHeap {
  const heap = getHeapStatistics();
  return { thread, usedBytes: heap.used_heap_size, totalBytes: heap.total_heap_size };
}
