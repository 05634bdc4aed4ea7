// The CLI against real SQLite files in a temp data dir: the command functions
// in-process, runCli for exit codes and output, and the real process for the
// wiring of main.ts.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3';
import type { EventStore } from '@rapport/event-store';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import { CustomerReadModels } from '@rapport/application';
import type { DocumentStore } from '@rapport/document-store';
import { openEmbeddedStores } from '@rapport/wiring';
import { runCli } from './cli.program';
import { cli } from './testing/run-cli';
import { importCdnow } from './import-cdnow.command';
import { importJsonl } from './import-jsonl.command';
import { fileLineSource } from './line-source';
import { countCustomers, rebuildProjections } from './projections.command';
import { verifyStreams } from './verify.command';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../../..');
const SAMPLE = path.resolve(ROOT, '../shared/data/cdnow/CDNOW_sample.txt');


/** Runs the real CLI process, as `npm run rapport --` does. */
function spawnCli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', '@swc-node/register', 'apps/cli/src/main.ts', ...argv],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '' }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? -1) : 0, stdout, stderr }),
    );
  });
}

describe('rapport CLI on the CDNOW sample', () => {
  let dataDir: string;
  let eventStore: EventStore;
  let documentStore: DocumentStore;
  let readStore: CustomerReadModels;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-cli-'));
    ({ eventStore, documentStore } = openEmbeddedStores({ dataDir }));
    readStore = new CustomerReadModels(documentStore);
  });

  afterAll(async () => {
    await eventStore?.close();
    await readStore?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('imports 6,919 purchased events of 2,357 customers', async () => {
    const started = Date.now();
    const summary = await importCdnow(await fileLineSource(SAMPLE), { eventStore });
    process.stdout.write(`CDNOW import: ${Date.now() - started} ms\n`);
    expect(summary).toMatchObject({
      ok: true,
      lines: 6919,
      recorded: 6919,
      duplicate: 0,
      rejected: 0,
      invalid: 0,
      events: 6919,
      customers: 2357,
      issues: [],
    });
    const events = await eventStore.readAll();
    expect(events).toHaveLength(6919);
    expect(events.every((e) => e.type === 'purchased' && e.metadata.source === 'cdnow-import')).toBe(true);
    expect(new Set(events.map((e) => e.customerId)).size).toBe(2357);
    expect(events.filter((e) => (e.data as { amount: number }).amount === 0)).toHaveLength(8);
    const first = await eventStore.readStream('1');
    expect(first.map((e) => [e.occurredAt, (e.data as { amount: number }).amount])).toEqual([
      ['1997-01-01T00:00:00Z', 2933],
      ['1997-01-18T00:00:00Z', 2973],
      ['1997-08-02T00:00:00Z', 1496],
      ['1997-12-12T00:00:00Z', 2648],
    ]);
  });

  it('records nothing when the same file is imported again, and reports every line a duplicate', async () => {
    const head = await eventStore.headPosition();
    const summary = await importCdnow(await fileLineSource(SAMPLE), { eventStore });
    expect(summary).toMatchObject({ ok: true, lines: 6919, recorded: 0, duplicate: 6919, rejected: 0, invalid: 0, events: 0 });
    expect(await eventStore.headPosition()).toBe(head);
  });

  it('says so in one line, or in JSON, with exit code 0', async () => {
    const human = await cli('import', 'cdnow', SAMPLE, '--data-dir', dataDir);
    expect(human).toMatchObject({ code: 0, stderr: '' });
    expect(human.stdout).toMatch(/^imported 6919 lines: 0 recorded, 6919 duplicate, 0 rejected \(2357 customers, 0 events appended, .* s, \d+ lines\/s\)\n$/);
    const json = await cli('--json', 'import', 'cdnow', SAMPLE, '--data-dir', dataDir);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ command: 'import cdnow', ok: true, lines: 6919, duplicate: 6919 });
  });

  it('verifies all 2,357 streams', async () => {
    const summary = await verifyStreams({ eventStore, pageSize: 1000 });
    expect(summary).toMatchObject({ ok: true, streams: 2357, events: 6919, failed: 0, failures: [] });
    expect(await verifyStreams({ eventStore, customerId: '17' })).toMatchObject({ ok: true, streams: 1, events: 13 });
  });

  it('exits 2 on a usage error and 0 on verify, as a real process', async () => {
    const usage = await spawnCli('frobnicate');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("unknown command 'frobnicate'");
    expect(usage.stderr).not.toMatch(/\n\s+at /); // no stack trace

    const verify = await spawnCli('verify', '--data-dir', dataDir);
    expect(verify).toMatchObject({ code: 0, stdout: 'verified 2357 streams, 6919 events: all OK\n', stderr: '' });
  });

  it('names the stream and revision of a tampered row, and fails', async () => {
    const db = new Database(path.join(dataDir, 'events.sqlite'));
    try {
      // What an attacker with the file can do: lift the append-only trigger and edit a payload.
      db.exec('DROP TRIGGER IF EXISTS events_no_update');
      const row = db.prepare("SELECT data FROM events WHERE customer_id = '17' AND revision = 4").get() as { data: string };
      const forged = { ...(JSON.parse(row.data) as object), amount: 1 };
      const { changes } = db.prepare("UPDATE events SET data = ? WHERE customer_id = '17' AND revision = 4").run(JSON.stringify(forged));
      expect(changes).toBe(1);
    } finally {
      db.close();
    }

    const summary = await verifyStreams({ eventStore });
    expect(summary).toMatchObject({
      ok: false,
      streams: 2357,
      events: 6919,
      failed: 1,
      failures: [{ stream: 'customer-17', customerId: '17', firstBadRevision: 4, reason: 'hash_mismatch', verifiedBefore: 4 }],
    });

    const human = await cli('verify', '--data-dir', dataDir);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/^FAILED customer-17 at revision 4: hash_mismatch .*\nverified 2357 streams, 6919 events: 1 FAILED\n$/);

    const one = await cli('verify', '17', '--json', '--data-dir', dataDir);
    expect(one.code).toBe(1);
    expect(JSON.parse(one.stdout)).toMatchObject({ ok: false, streams: 1, failures: [{ stream: 'customer-17', firstBadRevision: 4 }] });
    expect(await cli('verify', '18', '--data-dir', dataDir)).toMatchObject({ code: 0 });

    const spawned = await spawnCli('verify', '--data-dir', dataDir);
    expect(spawned.code).toBe(1);
    expect(spawned.stdout).toContain('FAILED customer-17 at revision 4');
  });

  it('rebuilds the read models: 2,357 customer documents', async () => {
    const started = Date.now();
    const summary = await rebuildProjections({ eventStore, documentStore });
    process.stdout.write(`projections rebuild: ${Date.now() - started} ms (${summary.eventsPerSecond} events/s)\n`);
    expect(summary).toMatchObject({ ok: true, events: 6919, applied: 6919, customers: 2357 });
    expect(await countCustomers(readStore)).toBe(2357);
    expect(await readStore.getCustomer('1')).toMatchObject({ customerId: '1' });

    const again = await cli('projections', 'rebuild', '--data-dir', dataDir);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^rebuilt read models from 6919 events \(6919 applied, 2357 customers, position \d+\) in .* s: \d+ events\/s\n$/);
  });

  it('imports the good lines of a JSONL file and reports the others by line number', async () => {
    const file = path.join(dataDir, 'events.jsonl');
    const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
    const lines = [
      { customerId: 'jl-a', eventId: id(1), type: 'identified', occurredAt: '2024-01-01T09:00:00Z', data: { name: 'Ann' } },
      { customerId: 'jl-a', eventId: id(2), type: 'purchased', occurredAt: '2024-01-02T09:00:00+01:00', data: { orderId: 'A-1', amount: 1250, currency: 'EUR' } },
      'this is not JSON',
      { customerId: 'jl-b', eventId: id(3), type: 'purchased', occurredAt: '2024-01-02T09:00:00Z', data: { orderId: 'B-1', amount: -1, currency: 'EUR' } },
      '',
      { customerId: 'jl-b', eventId: id(4), type: 'contacted', occurredAt: '2024-01-03T09:00:00Z', data: { channel: 'email', direction: 'outbound' } },
      { eventId: id(5), type: 'identified', occurredAt: '2024-01-03T09:00:00Z', data: {} },
      { customerId: 'jl-a', eventId: id(6), type: 'won_back', occurredAt: '2024-01-04T09:00:00Z', data: { via: 'offer' } },
      '{"customerId": "jl-a", "type": ',
      { customerId: 'jl-a', eventId: id(7), type: 'purchased', occurredAt: '2024-01-05T09:00:00Z', data: { orderId: 'A-2', amount: 0, currency: 'EUR' } },
    ];
    fs.writeFileSync(file, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\r\n'));

    const summary = await importJsonl(await fileLineSource(file), { eventStore });
    expect(summary).toMatchObject({ ok: false, lines: 9, blank: 1, recorded: 4, duplicate: 0, rejected: 1, invalid: 4, customers: 2 });
    expect(summary.issues.map((i) => [i.line, i.kind, i.code])).toEqual([
      [3, 'invalid', 'INVALID_JSON'],
      [4, 'invalid', 'INVALID_EVENT'],
      [7, 'invalid', 'INVALID_EVENT'],
      [8, 'rejected', 'NOT_CHURNED'],
      [9, 'invalid', 'INVALID_JSON'],
    ]);
    expect(summary.issues[1]!.errors).toEqual([expect.objectContaining({ field: 'data.amount' })]);

    const recorded = [...(await eventStore.readStream('jl-a')), ...(await eventStore.readStream('jl-b'))];
    expect(recorded.map((e) => e.eventId).sort()).toEqual([id(1), id(2), id(4), id(7)]);
    expect((await eventStore.readStream('jl-a')).map((e) => e.revision)).toEqual([0, 1, 2]);
    expect(recorded.every((e) => e.metadata.actor === 'rapport-cli')).toBe(true);

    const again = await cli('import', 'jsonl', file, '--data-dir', dataDir);
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/^imported 9 lines: 0 recorded, 4 duplicate, 1 rejected, 4 invalid /);
    expect(again.stderr).toContain('line 3: invalid (INVALID_JSON)');
    expect(again.stderr).toContain('line 8: rejected NOT_CHURNED [customer-jl-a]');
  });

  it('exits 2 with one line for a missing file, a missing log or a bad configuration', async () => {
    const missing = await cli('import', 'cdnow', path.join(dataDir, 'nope.txt'), '--data-dir', dataDir);
    expect(missing).toEqual({ code: 2, stdout: '', stderr: `rapport: cannot read ${path.join(dataDir, 'nope.txt')}: no such file\n` });
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-cli-empty-'));
    try {
      expect(await cli('verify', '--data-dir', empty)).toMatchObject({ code: 2, stderr: expect.stringContaining('no event log at') });
      expect(fs.existsSync(path.join(empty, 'events.sqlite'))).toBe(false);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
    const badEnv = await runCli(['verify'], { stdout: new PassThrough(), stderr: new PassThrough(), env: { RAPPORT_MODE: 'cloud' } });
    expect(badEnv).toBe(2);
    expect(await cli('verify', 'not a valid id', '--data-dir', dataDir)).toMatchObject({ code: 2 });
    expect(await cli('verify', 'nobody', '--data-dir', dataDir)).toMatchObject({ code: 2, stderr: 'rapport: no stream customer-nobody in the log\n' });
    expect(await cli('import')).toMatchObject({ code: 2 });
    expect(await cli('--help')).toMatchObject({ code: 0 });
  });

  it('stops between chunks when interrupted, and a second run finishes the job', async () => {
    const store = SqliteEventStore.open(':memory:');
    try {
      const controller = new AbortController();
      const abortAfterFirstChunks = {
        start: () => undefined,
        update: (done: number) => (done >= 1000 ? controller.abort() : undefined),
        stop: () => undefined,
      };
      const partial = await importCdnow(await fileLineSource(SAMPLE), { eventStore: store, progress: abortAfterFirstChunks, signal: controller.signal });
      expect(partial).toMatchObject({ ok: false, interrupted: true, duplicate: 0, rejected: 0 });
      expect(partial.recorded).toBeGreaterThanOrEqual(1000);
      expect(partial.recorded).toBeLessThan(6919);
      expect(await store.readAll()).toHaveLength(partial.recorded);

      const rest = await importCdnow(await fileLineSource(SAMPLE), { eventStore: store });
      expect(rest).toMatchObject({ ok: true, interrupted: false, recorded: 6919 - partial.recorded, duplicate: partial.recorded });
      expect(await verifyStreams({ eventStore: store })).toMatchObject({ ok: true, streams: 2357, events: 6919 });
    } finally {
      await store.close();
    }
  });
});
