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
  let reply: FitReply;
  try {
    const result = runFitJob(job);
    reply = { id, ok: true, result, heap: heapOfThisThread('model-fit') };
  } catch (error) {
    reply = { id, ok: false, error: error instanceof Error ? error.message : String(error), heap: heapOfThisThread('model-fit') };
  }
  parentPort!.postMessage(reply);
});
