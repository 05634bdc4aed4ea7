// Long streams: the first append to a customer after a restart (a cold load),
// against the stream's length (10 to 100,000 events), with the snapshots the
// API keeps and with them deleted, next to a cold append on a fresh stream;
// and audit state at a revision half way along each stream.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Bench, BenchContext, FigureResult } from './bench.types';
import { events } from './bench.types';
import { settle } from './rapport-client';
import { startRapport } from './server-process';
import { summarize } from './stats';

const BATCH = 500;
/** Fresh streams appended to after each restart: the first ones warm the process up, the rest are timed. */
const WARM_UPS = 20;
const FRESH = 20;

function contacted(i: number): Record<string, unknown> {
  return { eventId: randomUUID(), type: 'contacted', occurredAt: new Date(Date.UTC(2020, 0, 1) + i * 60_000).toISOString(), data: { channel: 'email', direction: 'outbound', campaignId: `c-${i % 12}` } };
}

async function post(url: string, route: string, body: unknown, expected: number): Promise<void> {
  const response = await fetch(`${url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (response.status !== expected) throw new Error(`POST ${route} answered ${response.status}: ${await response.text()}`);
  await response.arrayBuffer();
}

/** Milliseconds from sending the request to reading the whole answer. */
async function timed(work: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

async function appendOne(url: string, customerId: string, i: number): Promise<void> {
  await post(url, `/v1/customers/${encodeURIComponent(customerId)}/events`, contacted(i), 201);
}

async function auditState(url: string, customerId: string, atRevision: number): Promise<void> {
  const response = await fetch(`${url}/v1/audit/customers/${encodeURIComponent(customerId)}/state?atRevision=${atRevision}`);
  if (response.status !== 200) throw new Error(`audit state answered ${response.status}: ${await response.text()}`);
  const body = (await response.json()) as { revision: number };
  if (body.revision !== atRevision) throw new Error(`audit state at ${atRevision} answered revision ${body.revision}`);
}

export const longStreamBench: Bench = {
  id: 'long-streams',
  title: 'long streams: cold append and audit state',
  needsInfra: false,
  async run(context: BenchContext): Promise<FigureResult[]> {
    const lengths = context.quick ? [10, 1_000, 10_000] : [10, 1_000, 10_000, 100_000];
    const longest = lengths[lengths.length - 1]!;
    const dataDir = path.join(context.tmp, 'long-streams-api');
    const streamOf = (length: number) => `long-${length}`;

    let server = await startRapport(dataDir, context.profileDir);
    try {
      for (const length of lengths) {
        for (let from = 0; from < length; from += BATCH) {
          const batch = Array.from({ length: Math.min(BATCH, length - from) }, (_, i) => ({ customerId: streamOf(length), ...contacted(from + i) }));
          await post(server.url, '/v1/events', { events: batch }, 200);
        }
      }
      await settle(server.url);
    } finally {
      await server.stop();
    }

    const cold = new Map<number, number[]>(lengths.map((l) => [l, []]));
    const coldWithout = new Map<number, number[]>(lengths.map((l) => [l, []]));
    const audit = new Map<number, number[]>(lengths.map((l) => [l, []]));
    const fresh: number[] = [];
    const besideFresh = new Map<number, number[]>(lengths.map((l) => [l, []]));
    for (let run = 1; run <= context.runs; run++) {
      for (const kept of [true, false]) {
        // The snapshots' file gone: every cold load folds its stream from the first event (and keeps a snapshot again).
        if (!kept) for (const suffix of ['', '-wal', '-shm']) fs.rmSync(path.join(dataDir, `snapshots.sqlite${suffix}`), { force: true });
        server = await startRapport(dataDir, context.profileDir);
        try {
          for (let i = 0; i < WARM_UPS; i++) await appendOne(server.url, `warm-${run}-${kept}-${i}`, i);
          if (kept) for (let i = 0; i < FRESH; i++) fresh.push(await timed(() => appendOne(server.url, `fresh-${run}-${i}`, i)));
          for (const length of lengths) {
            // A fresh stream's cold append just before: whatever else the process is doing at that moment
            // (just started, it computes the analytics ahead) weighs on both alike.
            const beside = await timed(() => appendOne(server.url, `beside-${run}-${kept}-${length}`, 0));
            const ms = await timed(() => appendOne(server.url, streamOf(length), length + run));
            (kept ? cold : coldWithout).get(length)!.push(ms);
            if (kept) besideFresh.get(length)!.push(beside);
          }
          if (kept) for (const length of lengths) audit.get(length)!.push(await timed(() => auditState(server.url, streamOf(length), Math.floor(length / 2))));
        } finally {
          await server.stop();
        }
      }
    }

    const freshMs = summarize(fresh);
    const median = (values: readonly number[]) => summarize([...values]).median;
    const byLength = (samples: Map<number, number[]>) => Object.fromEntries(lengths.map((l) => [events(l), Math.round(median(samples.get(l)!) * 10) / 10]));
    const longCold = summarize(cold.get(longest)!);
    // Per run: the longest stream's cold append over the fresh stream's appended just before it.
    const ratio = summarize(cold.get(longest)!.map((ms, i) => ms / besideFresh.get(longest)![i]!));
    const longAudit = summarize(audit.get(longest)!);
    context.log(`long-streams: cold append ms by length ${JSON.stringify(byLength(cold))}, a fresh stream just before ${JSON.stringify(byLength(besideFresh))} (without snapshots ${JSON.stringify(byLength(coldWithout))}), fresh ${freshMs.median.toFixed(1)} ms; audit ms ${JSON.stringify(byLength(audit))}`);
    return [
      {
        id: 'long-streams-cold-append',
        figure: `cold append, ${events(longest)}-event stream`,
        unit: 'ms',
        rapport: { label: `first POST /v1/customers/{id}/events after a restart, with snapshots`, summary: longCold },
        baseline: { label: 'the same on a fresh stream, just before', summary: summarize(besideFresh.get(longest)!) },
        ratio,
        goal: '≤ 2× a fresh stream',
        met: ratio.median <= 2,
        details: {
          coldAppendMsByLength: byLength(cold),
          freshJustBeforeMsByLength: byLength(besideFresh),
          withoutSnapshotsMsByLength: byLength(coldWithout),
          freshStreamMs: Math.round(freshMs.median * 10) / 10,
          snapshotEvery: 1_000,
        },
      },
      {
        id: 'long-streams-audit',
        figure: `audit state at revision ${events(longest / 2)}, ${events(longest)}-event stream`,
        unit: 'ms',
        rapport: { label: 'GET /v1/audit/customers/{id}/state?atRevision=', summary: longAudit },
        goal: '≤ 1 s',
        met: longAudit.median <= 1_000,
        details: { auditStateMsByLength: byLength(audit) },
      },
    ];
  },
};
