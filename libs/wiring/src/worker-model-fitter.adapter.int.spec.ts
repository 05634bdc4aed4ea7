import * as fs from 'node:fs';
import * as path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { packSummaries, runFitJob, type FitJob, type RepeatSummary } from '@rapport/analytics';
import { eventually } from '@rapport/config/testing';
import { FitWorkerError, WorkerModelFitter } from './worker-model-fitter.adapter';

// CDNOW's published summaries (../shared/data/cdnow): frequency, recency and age in weeks of 2,357 customers;
// the amounts are made up (the summaries have none), spread enough for Gamma-Gamma to converge.
const CDNOW_SUMMARIES = path.resolve(__dirname, '../../../../shared/data/cdnow/cdnow_customers_summary.csv');

function cdnow(): RepeatSummary[] {
  const rows = fs.readFileSync(CDNOW_SUMMARIES, 'utf8').trim().split('\n').slice(1);
  return rows.map((row, i) => {
    const [id, x, tx, T] = row.split(',');
    return { customerId: id!, x: Number(x), tx: Number(tx), T: Number(T), monetary: Number(x) === 0 ? 0 : 1_000 + ((i * 97) % 5_000) };
  });
}

describe('WorkerModelFitter', () => {
  jest.setTimeout(60_000);
  const summaries = packSummaries(cdnow());
  const fitter = new WorkerModelFitter(2);
  afterAll(() => fitter.close());

  it('answers every kind of job exactly as fitting on the calling thread does', async () => {
    const bgnbd = runFitJob({ kind: 'purchase-fit', model: 'bgnbd', summaries });
    const gg = runFitJob({ kind: 'gamma-gamma-fit', summaries });
    if (!bgnbd.converged || !gg.converged) throw new Error('the test population must be fittable');
    const jobs: FitJob[] = [
      { kind: 'purchase-fit', model: 'bgnbd', summaries },
      { kind: 'purchase-fit', model: 'pareto-nbd', summaries },
      { kind: 'purchase-fit', model: 'mbg-nbd', summaries },
      { kind: 'gamma-gamma-fit', summaries },
      { kind: 'purchase-covariance', model: 'bgnbd', params: bgnbd.params, summaries },
      { kind: 'gamma-gamma-covariance', params: gg.params, summaries },
    ];
    const inWorkers = await Promise.all(jobs.map((job) => fitter.run(job)));
    expect(inWorkers).toEqual(jobs.map((job) => runFitJob(job)));
    expect(inWorkers[4]).toMatchObject({ ok: true, names: ['r', 'alpha', 'a', 'b'] });
  });

  it('refuses a young-generation cap below 1 MiB, and answers the same under a 1 MiB cap (that the cap reaches the worker is not observed here)', async () => {
    expect(() => new WorkerModelFitter(1, { youngGenerationMb: 0 })).toThrow(RangeError);
    expect(() => new WorkerModelFitter(1, { youngGenerationMb: Number.NaN })).toThrow(RangeError);
    const tight = new WorkerModelFitter(1, { youngGenerationMb: 1 });
    try {
      const job: FitJob = { kind: 'purchase-fit', model: 'bgnbd', summaries };
      expect(await tight.run(job)).toEqual(runFitJob(job));
    } finally {
      await tight.close();
    }
  });

  it('spreads jobs over its workers, so the models of one view fit side by side', async () => {
    const both = [fitter.run({ kind: 'purchase-fit', model: 'pareto-nbd', summaries }), fitter.run({ kind: 'purchase-fit', model: 'mbg-nbd', summaries })];
    expect(fitter.load).toEqual({ running: ['asked', 'asked'], waiting: 0 });
    await Promise.all(both);
    expect(fitter.load).toEqual({ running: [], waiting: 0 });
    // Each worker's heap as its last job left it.
    const heaps = fitter.threadHeaps();
    expect(heaps.map((h) => h.thread)).toEqual(['model-fit-1', 'model-fit-2']);
    for (const heap of heaps) expect(heap.usedBytes).toBeGreaterThan(0);
  });

  it('runs background work on one worker at a time unless told otherwise, while asked-for jobs spread over every worker', async () => {
    const two = new WorkerModelFitter(2);
    const twoAhead = new WorkerModelFitter(2, { backgroundWorkers: 2 });
    const background = [
      two.run({ kind: 'purchase-fit', model: 'pareto-nbd', summaries }, 'background'),
      two.run({ kind: 'purchase-fit', model: 'pareto-nbd', summaries }, 'background'),
      twoAhead.run({ kind: 'purchase-fit', model: 'pareto-nbd', summaries }, 'background'),
      twoAhead.run({ kind: 'purchase-fit', model: 'pareto-nbd', summaries }, 'background'),
    ];
    try {
      expect(two.load).toEqual({ running: ['background'], waiting: 1 });
      expect(two.workers).toBe(1);
      expect(twoAhead.load).toEqual({ running: ['background', 'background'], waiting: 0 });
      const asked = two.run({ kind: 'gamma-gamma-fit', summaries });
      expect(two.load).toEqual({ running: ['background', 'asked'], waiting: 1 });
      await expect(asked).resolves.toMatchObject({ converged: true });
      await Promise.all(background);
      expect(two.load).toEqual({ running: [], waiting: 0 });
    } finally {
      await Promise.all([two.close(), twoAhead.close()]);
      await Promise.allSettled(background);
    }
    expect(() => new WorkerModelFitter(2, { backgroundWorkers: 0 })).toThrow(RangeError);
  });

  it('never makes an asked-for job wait behind background work: one more worker starts for it, and goes once idle', async () => {
    const one = new WorkerModelFitter(1);
    const background = [
      one.run({ kind: 'purchase-fit', model: 'pareto-nbd', summaries }, 'background'),
      one.run({ kind: 'purchase-fit', model: 'pareto-nbd', summaries }, 'background'),
    ];
    try {
      expect(one.load).toEqual({ running: ['background'], waiting: 1 });
      const asked = one.run({ kind: 'gamma-gamma-fit', summaries });
      // It runs at once beside the background job, ahead of the one still waiting (which finishes
      // first depends on the machine's load, so the test reads who runs, not who ends).
      expect(one.load).toEqual({ running: ['background', 'asked'], waiting: 1 });
      await expect(asked).resolves.toMatchObject({ converged: true });
      await Promise.all(background);
      expect(one.load).toEqual({ running: [], waiting: 0 });
      expect((one as unknown as { slots: unknown[] }).slots).toHaveLength(1);
    } finally {
      await one.close();
      // Jobs a failed expectation left running end rejected by close(): settle them here, not in the next test.
      await Promise.allSettled(background);
    }
  });

  it('holds a job\'s input only until its worker has it: a kept answer does not keep it', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // The input made and dropped in a scope of its own: only the fitter could still hold it.
    const send = () => {
      const input = packSummaries(cdnow());
      return { sent: new WeakRef(input), answer: fitter.run({ kind: 'gamma-gamma-fit', summaries: input }) };
    };
    const { sent, answer } = send();
    await answer;
    // The promise itself is kept (as the analytics' cache keeps answers); what it was asked with is not.
    await eventually(() => {
      gc();
      return sent.deref() === undefined;
    });
    expect(answer).toBeInstanceOf(Promise);
  });

  it('runs asked-for jobs before waiting background ones, and a background job someone now waits for (promote) among them', async () => {
    const one = new WorkerModelFitter(1);
    const done: string[] = [];
    const track = (name: string, p: Promise<unknown>) => p.then(() => done.push(name));
    const first = one.run({ kind: 'gamma-gamma-fit', summaries });
    const later = one.run({ kind: 'gamma-gamma-fit', summaries }, 'background');
    const promoted = one.run({ kind: 'gamma-gamma-fit', summaries }, 'background');
    const asked = one.run({ kind: 'gamma-gamma-fit', summaries });
    const all = [track('first', first), track('later', later), track('promoted', promoted), track('asked', asked)];
    try {
      expect(one.load).toEqual({ running: ['asked'], waiting: 3 });
      one.promote(promoted);
      // One worker, and no extra one while it runs an asked-for job: the jobs end in the order they start.
      await Promise.all(all);
      expect(done).toEqual(['first', 'promoted', 'asked', 'later']);
    } finally {
      await one.close();
      await Promise.allSettled(all);
    }
  });

  it('rejects a job that fails in its worker with the worker’s reason, and goes on serving', async () => {
    const unknown = { kind: 'no-such-fit', summaries } as unknown as FitJob;
    await expect(fitter.run(unknown)).rejects.toThrow(new FitWorkerError('unknown fit job kind no-such-fit'));
    await expect(fitter.run({ kind: 'gamma-gamma-fit', summaries })).resolves.toMatchObject({ converged: true });
  });

  it('rejects the jobs of a worker that dies, starts another for the next job, and refuses work once closed', async () => {
    const dying = new WorkerModelFitter(1);
    const running = dying.run({ kind: 'purchase-fit', model: 'pareto-nbd', summaries });
    // A worker killed under its job (as an out-of-memory kill would).
    await (dying as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots[0]!.worker.terminate();
    await expect(running).rejects.toThrow(/^the fit worker stopped: exit code \d+$/);
    await expect(dying.run({ kind: 'gamma-gamma-fit', summaries })).resolves.toMatchObject({ converged: true });
    await dying.close();
    await expect(dying.run({ kind: 'gamma-gamma-fit', summaries })).rejects.toThrow(FitWorkerError);
  });

  it('lets an idle worker go after idleMs, and starts one again for the next job', async () => {
    const brief = new WorkerModelFitter(1, { idleMs: 300 });
    try {
      const job: FitJob = { kind: 'gamma-gamma-fit', summaries };
      await brief.run(job);
      expect(brief.workers).toBe(1);
      // A job within idleMs finds the same worker still there.
      await brief.run(job);
      expect(brief.workers).toBe(1);
      await eventually(() => brief.workers === 0, 5_000);
      await expect(brief.run(job)).resolves.toEqual(runFitJob(job));
      expect(brief.workers).toBe(1);
    } finally {
      await brief.close();
    }
  });
});
