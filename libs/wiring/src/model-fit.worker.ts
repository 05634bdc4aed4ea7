// A worker thread that runs fit jobs (see WorkerModelFitter): the fits of a
// large population take seconds of CPU that the API's event loop keeps for
// requests. It imports the pure analytics library only.
import { parentPort } from 'node:worker_threads';
import { runFitJob, type FitJob } from '@rapport/analytics';
import { heapOfThisThread, type ThreadHeap } from './worker-thread';

export interface FitRequest {
  readonly id: number;
  readonly job: FitJob;
}

/** With the thread's heap as the job left it. */
export type FitReply = ({ readonly id: number; readonly ok: true; readonly result: unknown } | { readonly id: number; readonly ok: false; readonly error: string }) & {
  readonly heap: ThreadHeap;
};

parentPort?.on('message', ({ id, job }: FitRequest) => {
  let outcome: { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: string };
  try {
    outcome = { ok: true, result: runFitJob(job) };
  } catch (error) {
    outcome = { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage({ id, ...outcome, heap: heapOfThisThread('model-fit') } satisfies FitReply);
});
