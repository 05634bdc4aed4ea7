// Memory: resident set size of the embedded API process while it ingests
// 1,000,000 events (batches of 500, several clients) and projects them, while
// an analyst reads customers' 360s (their predictions fitted over every
// customer as purchases keep changing them), and after: once the projections
// have caught up, and at rest once the refits the last purchases started are
// done (the warmer's last pass included) and their idle workers gone (the
// median of a minute's samples). "Flat" means the RSS at rest is within a
// quarter of the RSS after the first quarter of the events: it does not keep
// growing with the events recorded. The 360 reads' latency is a figure of
// its own.
import * as path from 'node:path';
import type { Bench, BenchContext, FigureResult } from './bench.types';
import { events } from './bench.types';
import { batchBody, DEFAULT_BATCH, loadBatch } from './event-load';
import { drive } from './http-load';
import { settle } from './rapport-client';
import { type ServerProcess, startRapport } from './server-process';
import { percentile, summarize } from './stats';

const MiB = 2 ** 20;
const CLIENTS = 4;
/**
 * How long the API may take to come to rest once caught up: the warmer's last pass (up to 30 s
 * after the one before, then its fits), and the idle fit workers gone (30 s idle).
 */
const REST_TIMEOUT_MS = 180_000;
/** Consecutive quiet looks, a second apart, that make "at rest". */
const REST_LOOKS = 3;
/**
 * At rest the RSS still moves by tens of MiB within a minute (one run, every 5 s: 329, 346–348,
 * 337, then 295 MiB from 45 s on): it is sampled every 5 s for a minute, and the median is the figure.
 */
const REST_SAMPLES = 13;
const REST_EVERY_MS = 5_000;
/** The analyst reads customers of batches sent this many batches ago, so most are projected already. */
const READ_BEHIND = 8;

interface Reads {
  /** Milliseconds from sending each read to reading its whole answer, of the reads that found their customer. */
  readonly latencies: number[];
  /** 404s: the customer's batch was not projected yet. */
  notYetProjected: number;
  /** 360s that carried predictions, and those that said why they had none. */
  withPredictions: number;
  withoutPredictions: number;
}

/** Reads one customer's 360 after another until `done`, each of a customer sent `READ_BEHIND` batches ago or earlier. */
async function readWhile(url: string, done: () => boolean, batchesSent: () => number, reads: Reads): Promise<void> {
  let n = 0;
  while (!done()) {
    const batches = batchesSent() - READ_BEHIND;
    if (batches <= 0) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      continue;
    }
    // A scattered walk over the customers sent so far (the same for every run).
    const customer = (n++ * 7_919) % (batches * DEFAULT_BATCH.customersPerBatch);
    const started = performance.now();
    const response = await fetch(`${url}/v1/customers/mem-${customer}`);
    const body = (await response.json()) as { predictions?: unknown; predictionsUnavailable?: string };
    const ms = performance.now() - started;
    // A 404 (the customer's batch not projected yet) reads no analytics: left out of the latencies.
    if (response.status === 404) reads.notYetProjected++;
    else if (response.status !== 200) throw new Error(`360 read answered ${response.status}: ${JSON.stringify(body)}`);
    else {
      reads.latencies.push(ms);
      if (body.predictions) reads.withPredictions++;
      else reads.withoutPredictions++;
    }
  }
}

/** What the API's /metrics says of its heaps: the main thread's, each worker thread's, and memory outside them. */
interface HeapSample {
  readonly events: number;
  readonly rssMiB: number;
  /** Heap size (total, not used) by thread: `main`, `projection`, `model-fit-<n>`. */
  readonly heapMiB: Record<string, number>;
  /** The main thread's heap by space (`new`, `old`, `large_object`, …): size, and what live and dead objects use of it. */
  readonly mainSpacesMiB: Record<string, { total: number; used: number }>;
  /** Memory V8 accounts outside its heaps on the main thread (buffers, typed arrays). */
  readonly externalMiB: number;
  /** The RSS in its parts: anonymous (heaps, malloc), and file-backed or shared pages. */
  readonly anonMiB: number;
  readonly fileMiB: number;
}

/**
 * Waits until the analytics warmer has no pass still to come, no fit job runs or waits, and no
 * fit worker lives (/metrics lists a worker's heap from its first job until it goes): the fits
 * the last purchases started are done and their workers, idle, have gone. Returns how long that took.
 */
async function cameToRest(url: string): Promise<number> {
  const started = performance.now();
  // Quiet on consecutive looks a second apart: the warmer polls the purchases every second, so a change it has not seen yet shows by the next look.
  let quietLooks = 0;
  for (;;) {
    const text = await (await fetch(`${url}/metrics`)).text();
    const jobs = [...text.matchAll(/^rapport_model_fit_jobs\{state="(?:running|waiting)"\} (\S+)$/gm)].map((match) => Number(match[1]));
    if (jobs.length !== 2) throw new Error('memory: /metrics has no rapport_model_fit_jobs series: the API fits without workers');
    const behind = /^rapport_analytics_computed_ahead_behind (\S+)$/m.exec(text)?.[1];
    if (behind === undefined) throw new Error('memory: /metrics has no rapport_analytics_computed_ahead_behind: the bench cannot tell when the last refits are done');
    const quiet = jobs.every((n) => n === 0) && behind === '0' && !/^rapport_thread_heap_total_bytes\{thread="model-fit-/m.test(text);
    quietLooks = quiet ? quietLooks + 1 : 0;
    if (quietLooks >= REST_LOOKS) return performance.now() - started;
    if (performance.now() - started > REST_TIMEOUT_MS) throw new Error(`memory: the analytics were still being refitted ${REST_TIMEOUT_MS / 1000} s after the load`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function heapSample(server: ServerProcess, events: number): Promise<HeapSample> {
  const { url } = server;
  const rssMiB = server.rssBytes() / MiB;
  const { anonBytes, fileBytes } = server.rssParts();
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN) / MiB;
  const heapMiB: Record<string, number> = { main: value(/^rapport_nodejs_heap_size_total_bytes (\S+)$/m) };
  for (const [, thread, bytes] of text.matchAll(/^rapport_thread_heap_total_bytes\{thread="([^"]+)"\} (\S+)$/gm)) heapMiB[thread!] = Number(bytes) / MiB;
  const mainSpacesMiB: Record<string, { total: number; used: number }> = {};
  for (const [, kind, space, bytes] of text.matchAll(/^rapport_nodejs_heap_space_size_(total|used)_bytes\{space="([^"]+)"\} (\S+)$/gm)) {
    const entry = (mainSpacesMiB[space!] ??= { total: 0, used: 0 });
    entry[kind as 'total' | 'used'] = Math.round(Number(bytes) / MiB);
  }
  return { events, rssMiB, heapMiB, mainSpacesMiB, externalMiB: value(/^rapport_nodejs_external_memory_bytes (\S+)$/m), anonMiB: anonBytes / MiB, fileMiB: fileBytes / MiB };
}

const rounded = (sample: HeapSample) => ({
  events: sample.events,
  rssMiB: Math.round(sample.rssMiB),
  heapMiB: Object.fromEntries(Object.entries(sample.heapMiB).map(([thread, mib]) => [thread, Math.round(mib)])),
  // The spaces that hold at least a MiB.
  mainSpacesMiB: Object.fromEntries(Object.entries(sample.mainSpacesMiB).filter(([, { total }]) => total >= 1)),
  externalMiB: Math.round(sample.externalMiB),
  anonMiB: Math.round(sample.anonMiB),
  fileMiB: Math.round(sample.fileMiB),
});

export const memoryBench: Bench = {
  id: 'memory',
  title: 'memory, embedded',
  needsInfra: false,
  async run(context: BenchContext): Promise<FigureResult[]> {
    const total = context.quick ? 50_000 : 1_000_000;
    const batches = Math.ceil(total / DEFAULT_BATCH.size);
    const server = await startRapport(path.join(context.tmp, 'memory-api'), context.profileDir);
    const samples: { events: number; rssMiB: number }[] = [];
    let sent = 0;
    const sample = () => samples.push({ events: sent * DEFAULT_BATCH.size, rssMiB: server.rssBytes() / MiB });
    // Every 5 s, where the memory is: the heaps of the main thread and of each worker thread.
    const heaps: HeapSample[] = [];
    const sampleHeaps = () =>
      void heapSample(server, sent * DEFAULT_BATCH.size).then(
        (h) => heaps.push(h),
        () => undefined,
      );
    let settledRss: number;
    let caughtUpRss: number;
    let restMs: number;
    const restRss: number[] = [];
    const reads: Reads = { latencies: [], notYetProjected: 0, withPredictions: 0, withoutPredictions: 0 };
    try {
      sample();
      const timer = setInterval(sample, 1000);
      const heapTimer = setInterval(sampleHeaps, 5000);
      let loaded = false;
      const reading = readWhile(server.url, () => loaded, () => sent, reads);
      // Awaited below; until then a failed read must not count as an unhandled rejection.
      reading.catch(() => undefined);
      try {
        // Bodies are built as they are sent: a million events never sit in the bench's memory.
        await drive(server.url, CLIENTS, batches, () => ({ path: '/v1/events', body: batchBody(loadBatch('mem', sent++)) }));
      } finally {
        loaded = true;
        clearInterval(timer);
        clearInterval(heapTimer);
        await reading;
      }
      await settle(server.url);
      sample();
      caughtUpRss = server.rssBytes() / MiB;
      heaps.push(await heapSample(server, sent * DEFAULT_BATCH.size));
      // "After": at rest, once the background work the load started (the last refits) is done too.
      restMs = await cameToRest(server.url);
      for (let i = 0; i < REST_SAMPLES; i++) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, REST_EVERY_MS));
        sample();
        restRss.push(samples[samples.length - 1]!.rssMiB);
      }
      settledRss = percentile(restRss, 50);
      heaps.push(await heapSample(server, sent * DEFAULT_BATCH.size));
    } finally {
      await server.stop();
    }
    const peak = Math.max(...samples.map((s) => s.rssMiB));
    // Growth from the first quarter of the events to the end: flat when small.
    const quarter = samples.find((s) => s.events >= total / 4)?.rssMiB ?? samples[0]!.rssMiB;
    const growth = (settledRss - quarter) / quarter;
    context.log(
      `memory: ${events(total)} events, peak RSS ${peak.toFixed(0)} MiB; ${caughtUpRss.toFixed(0)} MiB once the projections caught up; at rest (from ${(restMs / 1000).toFixed(0)} s later, a minute) median ${settledRss.toFixed(0)} MiB (${Math.min(...restRss).toFixed(0)}–${Math.max(...restRss).toFixed(0)}), ${(growth * 100).toFixed(0)}% growth since the first quarter`,
    );
    const step = Math.max(1, Math.floor(samples.length / 10));
    // The heap sample taken at the highest RSS, and each thread's largest heap at any sample.
    const atPeak = heaps.reduce((a, b) => (b.rssMiB > a.rssMiB ? b : a), heaps[0]!);
    const largest: Record<string, number> = {};
    for (const h of heaps) for (const [thread, mib] of Object.entries(h.heapMiB)) largest[thread] = Math.max(largest[thread] ?? 0, Math.round(mib));
    context.log(`memory: at the highest RSS sampled with the heaps, ${JSON.stringify(rounded(atPeak))}; largest heaps ${JSON.stringify(largest)}`);
    const atQuarter = heaps.find((h) => h.events >= total / 4);
    context.log(`memory: heaps after a quarter of the events ${JSON.stringify(atQuarter && rounded(atQuarter))}; once caught up ${JSON.stringify(rounded(heaps.at(-2)!))}; at rest ${JSON.stringify(rounded(heaps.at(-1)!))}`);
    if (reads.latencies.length === 0) throw new Error('memory: no 360 read found its customer during the load');
    const p50 = percentile(reads.latencies, 50);
    const p99 = percentile(reads.latencies, 99);
    context.log(
      `memory: ${reads.latencies.length} 360 reads during the load (and ${reads.notYetProjected} 404s), p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${Math.max(...reads.latencies).toFixed(0)} ms; ${reads.withPredictions} with predictions`,
    );
    return [
      {
        id: 'memory',
        figure: `memory, ${events(total)} events`,
        unit: 'MiB',
        rapport: {
          label: `peak RSS; ${caughtUpRss.toFixed(0)} MiB once the projections caught up, ${settledRss.toFixed(0)} MiB at rest (median of a minute, ${Math.min(...restRss).toFixed(0)}–${Math.max(...restRss).toFixed(0)}; ${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(0)}% since the first quarter)`,
          summary: summarize([peak]),
        },
        goal: '≤ 512 MiB, flat',
        met: peak <= 512 && growth <= 0.25,
        details: {
          events: total,
          peakMiB: Math.round(peak),
          caughtUpMiB: Math.round(caughtUpRss),
          endMiB: Math.round(settledRss),
          restSeconds: Math.round(restMs / 1000),
          restMiB: restRss.map((mib) => Math.round(mib)),
          growthSinceFirstQuarter: Number(growth.toFixed(3)),
          samples: samples.filter((_, i) => i % step === 0 || i === samples.length - 1).map((s) => ({ events: s.events, rssMiB: Math.round(s.rssMiB) })),
          heapsAtHighestRss: rounded(atPeak),
          largestHeapMiB: largest,
          heapSamples: heaps.filter((_, i) => i % Math.max(1, Math.floor(heaps.length / 10)) === 0 || i === heaps.length - 1).map(rounded),
        },
      },
      {
        id: 'read-360-under-load',
        figure: `360 read while ${events(total)} events arrive`,
        unit: 'ms',
        rapport: {
          label: `p99 of GET /v1/customers/{id} (200s), one analyst reading while ${CLIENTS} clients post batches (p50 ${p50.toFixed(1)} ms; ${reads.latencies.length} reads, ${reads.withPredictions} with predictions)`,
          summary: summarize([p99]),
        },
        // A fit over every customer takes seconds: a read that waited for one would show here.
        goal: 'p99 ≤ 1 s',
        met: p99 <= 1_000,
        details: {
          reads: reads.latencies.length,
          p50Ms: Number(p50.toFixed(1)),
          p99Ms: Number(p99.toFixed(1)),
          maxMs: Math.round(Math.max(...reads.latencies)),
          withPredictions: reads.withPredictions,
          withoutPredictions: reads.withoutPredictions,
          notYetProjected: reads.notYetProjected,
        },
      },
    ];
  },
};
