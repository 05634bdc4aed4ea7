// Distributed mode when the Kafka broker goes away (issue 18, finding 4): the
// API's readiness says `degraded` with `broker: down` within about two seconds
// and keeps serving writes; the API, the relay and the projector each log one
// line when the broker goes away and one when it returns; the projector's
// /metrics answers while the broker is down, also from a projector started
// during the outage whose consumer has not joined yet; the relay's position
// never reads -1 nor goes back. The broker is the test's own (KafkaNode), so
// the shared one serves other tests meanwhile; MongoDB is the shared FerretDB.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MongoClient } from 'mongodb';
import { KafkaNode, RoleProcess, describeWithInfra, linesMatching, metricSample, metricsUrlIn } from '@rapport/config/testing';
import { ServerProcess } from '../testing/server-process';

jest.setTimeout(180_000);

const started = Date.now();
const progress = (text: string) => process.stderr.write(`[broker-faults +${((Date.now() - started) / 1000).toFixed(1)}s] ${text}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mongoBase = (process.env.RAPPORT_MONGO_URL ?? 'mongodb://127.0.0.1:27017/rapport').replace(/\/[^/]*$/, '');

interface Scrape {
  status: number;
  text: string;
  ms: number;
}

async function scrape(url: string): Promise<Scrape> {
  const at = Date.now();
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, text: await response.text(), ms: Date.now() - at };
}


describeWithInfra('kafka', 'mongo')('distributed mode when the Kafka broker goes away', () => {
  const id = randomUUID().replace(/-/g, '').slice(0, 10);
  const database = `broker_faults_${id}`;
  const relayId = `relay-${id}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'rapport-broker-faults-'));
  const dataDir = path.join(dir, 'data');
  let node: KafkaNode;
  let api: ServerProcess;
  let relay: RoleProcess;
  let projector: RoleProcess;
  let late: RoleProcess | undefined;
  let env: Record<string, string>;
  /** Every rapport_relay_position sample seen, scraped every 100 ms from start to end. */
  const relayPositions: (number | undefined)[] = [];
  const relayStatuses = new Set<number>();
  let scraping = true;
  let scraper: Promise<void> | undefined;
  const figures: string[] = [];

  const write = (customerId: string, type: 'identified' | 'contacted') =>
    api.post(
      `/v1/customers/${customerId}/events`,
      type === 'identified'
        ? { type, occurredAt: '2026-03-01T10:00:00Z', data: { name: 'Ada Lovelace', email: 'ada@example.com' } }
        : { type, occurredAt: '2026-03-01T11:00:00Z', data: { channel: 'email', direction: 'outbound' } },
    );

  async function ready(): Promise<{ status: number; body: any; ms: number }> {
    const at = Date.now();
    const answer = await api.get('/health/ready');
    return { ...answer, ms: Date.now() - at };
  }

  /** Polls readiness every 100 ms until `until` holds; the answer and how long it took. */
  async function readyUntil(until: (answer: { status: number; body: any }) => boolean, timeoutMs: number) {
    const from = Date.now();
    for (;;) {
      const answer = await ready();
      if (until(answer)) return { ...answer, after: Date.now() - from };
      if (Date.now() - from > timeoutMs) throw new Error(`readiness still ${JSON.stringify(answer.body)} after ${timeoutMs} ms:\n${api.output.slice(-3000)}`);
      await sleep(100);
    }
  }

  beforeAll(async () => {
    node = await KafkaNode.start(path.join(dir, 'kafka'));
    progress(`own broker on ${node.brokers}`);
    env = {
      RAPPORT_MODE: 'distributed',
      RAPPORT_DATA_DIR: dataDir,
      RAPPORT_KAFKA_BROKERS: node.brokers,
      RAPPORT_MONGO_URL: `${mongoBase}/${database}`,
      RAPPORT_KAFKA_TOPIC: `test.broker-faults.${id}`,
      RAPPORT_RELAY_ID: relayId,
      RAPPORT_PROJECTOR_GROUP: `projector-${id}`,
      RAPPORT_PROJECTOR_METRICS_PORT: '0',
      RAPPORT_RELAY_METRICS_PORT: '0',
      RAPPORT_PROJECTOR_SESSION_TIMEOUT_MS: '6000',
      RAPPORT_LOG_LEVEL: 'info',
      // Read models more than one event behind the log: lagging.
      RAPPORT_PROJECTION_LAG_THRESHOLD: '1',
    };
    relay = RoleProcess.start('relay', env);
    await relay.waitFor(/resuming after log position/, 90_000);
    const relayMetrics = metricsUrlIn(relay.output)!;
    scraper = (async () => {
      while (scraping) {
        const answer = await scrape(relayMetrics).catch(() => undefined);
        if (answer) {
          relayStatuses.add(answer.status);
          relayPositions.push(metricSample(answer.text, `rapport_relay_position{relay="${relayId}"}`));
        }
        await sleep(100);
      }
    })();
    projector = RoleProcess.start('projector', env);
    await projector.waitFor(/projector consuming/, 90_000);
    api = await ServerProcess.start(dataDir, undefined, env);
    progress('API, relay and projector up');
  });

  afterAll(async () => {
    scraping = false;
    await scraper;
    await Promise.all([api?.kill(), relay?.kill(), projector?.kill(), late?.kill()]);
    await node?.stop('SIGKILL');
    const client = new MongoClient(`${mongoBase}/${database}`);
    await client
      .db()
      .dropDatabase()
      .catch(() => undefined);
    await client.close();
    rmSync(dir, { recursive: true, force: true });
    if (figures.length > 0) console.log(`broker faults: ${figures.join('; ')}`);
  });

  it('is ready and says the broker is up while everything answers', async () => {
    const written = await write('before', 'identified');
    expect(written.status).toBe(201);
    const view = await api.get(`/v1/customers/before?consistentWith=${written.body.consistencyToken}`);
    expect(view.status).toBe(200);
    const answer = await readyUntil((r) => r.body.status === 'ok', 10_000);
    expect(answer.status).toBe(200);
    expect(answer.body.checks).toEqual({ eventLog: 'up', readModels: 'up', projections: 'up', broker: 'up' });
    expect(answer.body.projections['read-models']).toMatchObject({ status: 'up', lagEvents: 0 });
    const metrics = await scrape(metricsUrlIn(projector.output)!);
    expect(metrics.status).toBe(200);
    expect(metricSample(metrics.text, 'rapport_projector_dependency_up{dependency="kafka"}')).toBe(1);
    expect(metricSample(metrics.text, 'rapport_projector_dependency_up{dependency="mongodb"}')).toBe(1);
    expect(metricSample(metrics.text, `rapport_projector_last_applied_timestamp_seconds{group="projector-${id}"}`)).toBeGreaterThan(started / 1000);
  });

  /** Scrapes `url` every 100 ms until `series` reads `value`: the scrape and when that was. */
  async function scrapeUntil(url: string, series: string, value: number, timeoutMs: number): Promise<Scrape & { at: number }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const answer = await scrape(url);
      expect(answer.status).toBe(200);
      if (metricSample(answer.text, series) === value) return { ...answer, at: Date.now() };
      if (Date.now() > deadline) throw new Error(`${series} not ${value} within ${timeoutMs} ms:\n${answer.text.split('\n').filter((l) => l.includes('dependency')).join('\n')}`);
      await sleep(100);
    }
  }

  describe('broker stopped', () => {
    let killedAt: number;
    beforeAll(async () => {
      await node.stop('SIGKILL');
      killedAt = Date.now();
      progress('broker killed');
    });

    it('says degraded with the broker down within about two seconds, answering 200 at once', async () => {
      const answer = await readyUntil((r) => r.body.checks?.broker === 'down', 5_000);
      figures.push(`readiness said broker down ${answer.after} ms after the kill`);
      expect(answer.after).toBeLessThan(3_000);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ status: 'degraded', checks: { eventLog: 'up', readModels: 'up', broker: 'down' } });
      for (let i = 0; i < 5; i++) {
        const again = await ready();
        expect(again).toMatchObject({ status: 200, body: { status: 'degraded', checks: { broker: 'down' } } });
        expect(again.ms).toBeLessThan(1_500);
      }
    });

    it("the projector's /metrics answers 200 at once, saying Kafka is down and MongoDB up", async () => {
      const metrics = await scrapeUntil(metricsUrlIn(projector.output)!, 'rapport_projector_dependency_up{dependency="kafka"}', 0, 5_000);
      figures.push(`projector metrics said kafka 0 ${metrics.at - killedAt} ms after the kill`);
      expect(metrics.ms).toBeLessThan(2_500);
      expect(metricSample(metrics.text, 'rapport_projector_dependency_up{dependency="kafka"}')).toBe(0);
      expect(metricSample(metrics.text, 'rapport_projector_dependency_up{dependency="mongodb"}')).toBe(1);
      // The last lag it read stands while Kafka does not answer.
      expect(metricSample(metrics.text, 'rapport_projector_consumer_lag_total')).toBe(0);
    });

    it('still records writes (the log is the source of truth) and serves plain reads; reads that must see a write wait', async () => {
      const during = await write('during', 'identified');
      expect(during.status).toBe(201);
      expect((await write('before', 'contacted')).status).toBe(201);
      const stale = await api.get('/v1/customers/before');
      expect(stale.status).toBe(200);
      const waited = await api.get(`/v1/customers/during?consistentWith=${during.body.consistencyToken}`);
      expect(waited).toMatchObject({ status: 503, body: { code: 'CONSISTENCY_TIMEOUT' } });
    });

    it('says the read models fall behind', async () => {
      // Two events the relay cannot publish: the read models lag the log by more than the threshold.
      const answer = await readyUntil((r) => r.body.checks?.projections === 'lagging', 5_000);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ status: 'degraded', checks: { broker: 'down', projections: 'lagging' } });
      expect(answer.body.projections['read-models']).toMatchObject({ status: 'lagging', lagEvents: 2 });
    });

    it('a projector started during the outage serves /metrics before its consumer has joined', async () => {
      await projector.kill();
      late = RoleProcess.start('projector', env);
      await late.waitFor(/projector metrics listening/, 30_000);
      const metrics = await scrape(metricsUrlIn(late.output)!);
      expect(metrics.status).toBe(200);
      expect(metricSample(metrics.text, 'rapport_projector_dependency_up{dependency="kafka"}')).toBe(0);
      // Nothing applied, no lag read yet: no sample rather than a made-up one.
      expect(metrics.text).not.toMatch(/^rapport_projector_last_applied_timestamp_seconds\{/m);
      expect(metrics.text).not.toMatch(/^rapport_projector_consumer_lag(_total)?[ {]/m);
      expect(late.output).not.toMatch(/projector consuming/);
      await sleep(2_000);
      const again = await scrape(metricsUrlIn(late.output)!);
      expect(again.status).toBe(200);
      expect(metricSample(again.text, 'rapport_projector_dependency_up{dependency="mongodb"}')).toBe(1);
      expect(metricSample(again.text, 'rapport_projector_dependency_up{dependency="kafka"}')).toBe(0);
    });

    it("the relay's /metrics answers 200, saying Kafka is down, and keeps its last position", async () => {
      const metrics = await scrape(metricsUrlIn(relay.output)!);
      expect(metrics.status).toBe(200);
      expect(metricSample(metrics.text, 'rapport_relay_dependency_up{dependency="kafka"}')).toBe(0);
      expect(metricSample(metrics.text, `rapport_relay_position{relay="${relayId}"}`)).toBeGreaterThanOrEqual(0);
    });
  });

  describe('broker back', () => {
    let back: number;
    beforeAll(async () => {
      await node.restart();
      back = Date.now();
      progress('broker back');
    });

    it('says the broker is up again within about two seconds, then ok once the read models caught up', async () => {
      const up = await readyUntil((r) => r.body.checks?.broker === 'up', 10_000);
      figures.push(`readiness said broker up ${Date.now() - back} ms after it answered again`);
      expect(Date.now() - back).toBeLessThan(3_000);
      expect(up.status).toBe(200);
      const written = await write('after', 'contacted');
      expect(written.status).toBe(201);
      const view = await api.get(`/v1/customers/during?consistentWith=${written.body.consistencyToken}`);
      expect(view.status).toBe(200);
      const ok = await readyUntil((r) => r.body.status === 'ok', 60_000);
      figures.push(`readiness ok again ${Date.now() - back} ms after the broker returned (the late projector joined and caught up)`);
      expect(ok.body.checks).toEqual({ eventLog: 'up', readModels: 'up', projections: 'up', broker: 'up' });
    });

    it("the projector's metrics say Kafka is up again and report what it applied", async () => {
      const url = metricsUrlIn(late!.output)!;
      const up = await scrapeUntil(url, 'rapport_projector_dependency_up{dependency="kafka"}', 1, 10_000);
      figures.push(`projector metrics said kafka 1 ${up.at - back} ms after the broker answered again`);
      const deadline = Date.now() + 30_000;
      let metrics = await scrape(url);
      while (metricSample(metrics.text, 'rapport_projector_dependency_up{dependency="kafka"}') !== 1 || metricSample(metrics.text, 'rapport_projector_consumer_lag_total') !== 0) {
        if (Date.now() > deadline) throw new Error(`projector metrics:\n${metrics.text.split('\n').filter((l) => l.startsWith('rapport_projector_') && !l.includes('nodejs') && !l.includes('process')).join('\n')}`);
        await sleep(200);
        metrics = await scrape(url);
      }
      expect(metrics.status).toBe(200);
      expect(late!.output).toMatch(/projector consuming/);
    });

    it('each role logged one line when the broker went away and one when it returned', async () => {
      // The monitors probe every second: give the relay's and the projector's a moment to see it back.
      await sleep(2_000);
      const lines = (output: string) => ({ away: linesMatching(output, /Kafka unreachable/), back: linesMatching(output, /Kafka reachable again after/) });
      expect(lines(api.output)).toEqual({ away: 1, back: 1 });
      expect(lines(relay.output)).toEqual({ away: 1, back: 1 });
      // Killed during the outage: it saw the broker go away, not come back.
      expect(lines(projector.output)).toEqual({ away: 1, back: 0 });
      // Started during the outage: away since its start, then back.
      expect(lines(late!.output)).toEqual({ away: 1, back: 1 });
      expect(late!.output).toMatch(/Kafka unreachable since start/);
      // The API's line says why, and nothing else in its log repeats the outage: neither its own
      // polls nor kafkajs' line per attempt to reach the broker (two or three a second per client before).
      expect(linesMatching(api.output, /Kafka not answering/)).toBe(0);
      for (const role of [api, relay, projector, late!]) {
        expect(linesMatching(role.output, /"logger":"kafkajs".*(Connection error|Failed to connect to seed broker)/)).toBe(0);
      }
    });

    it("the relay's position never read -1 nor went back, and it resumed past where it was", async () => {
      scraping = false;
      await scraper;
      expect([...relayStatuses]).toEqual([200]);
      const known = relayPositions.filter((p): p is number => p !== undefined);
      expect(known.length).toBeGreaterThan(10);
      expect(known.filter((p) => p < 0)).toEqual([]);
      for (let i = 1; i < known.length; i++) expect(known[i]).toBeGreaterThanOrEqual(known[i - 1]!);
      // Before its first committed checkpoint the gauge has no sample; once known it stays.
      const firstKnown = relayPositions.findIndex((p) => p !== undefined);
      expect(relayPositions.slice(firstKnown).every((p) => p !== undefined)).toBe(true);
      figures.push(`relay position scraped ${relayPositions.length} times: ${known[0]} → ${known[known.length - 1]}, never -1`);
    });
  });
});
