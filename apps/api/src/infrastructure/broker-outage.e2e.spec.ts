// Distributed mode when the Kafka broker goes out under a steady HTTP write
// load (issue 18), in two ways. Frozen: the broker's JVM gets SIGSTOP for 18 s,
// then SIGCONT; its sockets stay open and the kernel still accepts
// connections, so every request to it waits rather than failing — the case
// where a missing time limit turns into a hang. Killed: SIGKILL, and 18 s
// later the broker is started again on the same ports and data (it recovers
// its logs, the consumer group and the relay's transactions start over). In
// the code below "frozen" and "thawed" name the outage and its end in both
// ways (for a kill, its end is when the restarted broker answers). The client's writes keep
// answering 201 (they go to the event log, not to Kafka); readiness and the
// relay's and projector's /metrics keep answering within about a second and say
// the broker is down within a few seconds; afterwards they say it is back, and
// the topic and the read models equal the log exactly. The broker is the
// test's own (KafkaNode); MongoDB is the shared FerretDB, its own database.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { KafkaNode, RoleProcess, describeWithInfra, linesMatching, metricSample, metricsUrlIn } from '@rapport/config/testing';
import { PersonalDataVault, SealingEventStore } from '@rapport/event-store';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import { MongoKeyStore } from '@rapport/key-store-mongo';
import { CHECKPOINT_TOPIC, MongoParkingLot, consumerGroupLag, deadLetterTopic, relayCheckpointGroup } from '@rapport/messaging';
import { dropDatabases, embeddedRebuildDigest, mongoDigest, mongoUrl, readTopic } from '@rapport/wiring/testing';
import { startDistributedRoles } from '../testing/distributed-roles';
import type { ServerProcess } from '../testing/server-process';

jest.setTimeout(300_000);

const FREEZE_MS = 18_000;
/** Each of the writers posts, waits this long, and posts again. */
const WRITERS = 3;
const WRITE_PAUSE_MS = 100;
const CUSTOMERS = 30;

/** The two ways the broker goes out: how it starts, how it ends, and the words for it. */
const OUTAGES = [
  {
    kind: 'freeze',
    title: 'freezes',
    noun: 'the freeze',
    end: 'the thaw',
    begin: async (node: KafkaNode) => node.freeze(),
    finish: async (node: KafkaNode) => node.thaw(),
    says: { begun: 'broker frozen (SIGSTOP)', ended: 'broker thawed (SIGCONT)' },
  },
  {
    kind: 'kill',
    title: 'is killed and started again',
    noun: 'the kill',
    end: 'the restart',
    begin: (node: KafkaNode) => node.stop('SIGKILL'),
    finish: (node: KafkaNode) => node.restart(),
    says: { begun: 'broker killed (SIGKILL)', ended: 'broker started again and answering' },
  },
] as const;

const started = Date.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One answer to a poll: when it was asked, its status (0: no answer within the client's 5 s), how long it took. */
interface Poll {
  readonly at: number;
  readonly status: number;
  readonly ms: number;
  readonly text: string;
}

/** Polls `url` every `everyMs` until stopped, recording every answer (the client gives up after 5 s). */
function poller(url: () => string, everyMs: number) {
  const polls: Poll[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const at = Date.now();
      try {
        const response = await fetch(url(), { signal: AbortSignal.timeout(5_000) });
        polls.push({ at, status: response.status, text: await response.text(), ms: Date.now() - at });
      } catch {
        polls.push({ at, status: 0, text: '', ms: Date.now() - at });
      }
      await sleep(everyMs);
    }
  })();
  return {
    polls,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

const percentile = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};

interface Write {
  readonly at: number;
  readonly status: number;
  readonly ms: number;
  readonly customerId: string;
  readonly token?: string;
}

/** A read that must see a write (`?consistentWith=`): what it answered and how long it took. */
interface ConsistentRead {
  readonly at: number;
  readonly status: number;
  readonly code?: string;
  readonly ms: number;
}

for (const outage of OUTAGES) {
  describeWithInfra('kafka', 'mongo')(`distributed mode when the Kafka broker ${outage.title} under write load`, () => {
    const progress = (text: string) => process.stderr.write(`[broker-${outage.kind} +${((Date.now() - started) / 1000).toFixed(1)}s] ${text}\n`);
    const id = randomUUID().replace(/-/g, '').slice(0, 10);
    const database = `broker_${outage.kind}_${id}`;
    const topic = `test.broker-${outage.kind}.${id}`;
    const relayId = `relay-${id}`;
    const group = `projector-${id}`;
    const dir = mkdtempSync(path.join(tmpdir(), `rapport-broker-${outage.kind}-`));
    const dataDir = path.join(dir, 'data');
    let node: KafkaNode;
    let kafka: Kafka;
    let admin: Admin | undefined;
    let api: ServerProcess;
    let relay: RoleProcess;
    let projector: RoleProcess;
    const figures: string[] = [];

    const writes: Write[] = [];
    let frozenAt = 0;
    let thawedAt = 0;
    // When the outage's end began (the thaw, or the restart launched): before it the broker cannot answer.
    // A restart resolves once the test's own probe got an answer, which the roles may have had a moment before.
    let endingAt = 0;
    let ready: ReturnType<typeof poller>;
    let relayMetrics: ReturnType<typeof poller>;
    let projectorMetrics: ReturnType<typeof poller>;
    let load: ReturnType<typeof startLoad> | undefined;
    /** A read of a write made while the broker was frozen, asked while it still was. */
    let readWhileFrozen: ConsistentRead;
    /** Reads of the last write made while frozen, asked again from the thaw until one answers 200. */
    const readsAfterThaw: ConsistentRead[] = [];
    /** How much each role had printed when the broker was thawed. */
    let outputAtThaw: Record<'api' | 'relay' | 'projector', number>;

    async function readConsistent(write: Write): Promise<ConsistentRead> {
      const at = Date.now();
      const response = await fetch(`${api.baseUrl}/v1/customers/${write.customerId}?consistentWith=${write.token}`, { signal: AbortSignal.timeout(30_000) });
      const body = (await response.json()) as { code?: string };
      return { at, status: response.status, ...(body.code ? { code: body.code } : {}), ms: Date.now() - at };
    }

    /** Writers posting one event at a time, each customer's first `identified` (a personal-data key in MongoDB), then `contacted`. */
    function startLoad() {
      let running = true;
      const revisions = new Map<number, number>();
      let next = 0;
      const writer = async () => {
        while (running) {
          const c = next++ % CUSTOMERS;
          const revision = revisions.get(c) ?? 0;
          revisions.set(c, revision + 1);
          const body =
            revision === 0
              ? { type: 'identified', occurredAt: '2026-03-01T10:00:00Z', data: { name: `Customer ${c}`, email: `c${c}@example.com` } }
              : { type: 'contacted', occurredAt: '2026-03-01T11:00:00Z', data: { channel: 'email', direction: 'outbound' } };
          const at = Date.now();
          let status = 0;
          let token: string | undefined;
          try {
            const response = await fetch(`${api.baseUrl}/v1/customers/load-${c}/events`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(body),
              signal: AbortSignal.timeout(10_000),
            });
            status = response.status;
            token = ((await response.json()) as { consistencyToken?: string }).consistencyToken;
          } catch {
            status = 0;
          }
          writes.push({ at, status, ms: Date.now() - at, customerId: `load-${c}`, ...(token ? { token } : {}) });
          await sleep(WRITE_PAUSE_MS);
        }
      };
      const done = Promise.all(Array.from({ length: WRITERS }, writer));
      return {
        stop: async () => {
          running = false;
          await done;
        },
      };
    }

    beforeAll(async () => {
      node = await KafkaNode.start(path.join(dir, 'kafka'));
      kafka = new Kafka({ brokers: [node.brokers], clientId: `broker-${outage.kind}-test`, logLevel: logLevel.NOTHING });
      progress(`own broker on ${node.brokers}`);
      const env = {
        RAPPORT_MODE: 'distributed',
        RAPPORT_DATA_DIR: dataDir,
        RAPPORT_KAFKA_BROKERS: node.brokers,
        RAPPORT_MONGO_URL: mongoUrl(database),
        RAPPORT_KAFKA_TOPIC: topic,
        RAPPORT_RELAY_ID: relayId,
        RAPPORT_PROJECTOR_GROUP: group,
        RAPPORT_PROJECTOR_METRICS_PORT: '0',
        RAPPORT_RELAY_METRICS_PORT: '0',
        RAPPORT_PROJECTOR_SESSION_TIMEOUT_MS: '6000',
        RAPPORT_LOG_LEVEL: 'info',
      };
      ({ api, relay, projector } = await startDistributedRoles(dataDir, env));
      progress('API, relay and projector up');

      ready = poller(() => `${api.baseUrl}/health/ready`, 200);
      relayMetrics = poller(() => metricsUrlIn(relay.output)!, 200);
      projectorMetrics = poller(() => metricsUrlIn(projector.output)!, 200);
      load = startLoad();
      await sleep(5_000);
      frozenAt = Date.now();
      await outage.begin(node);
      progress(outage.says.begun);
      await sleep(5_000);
      readWhileFrozen = await readConsistent(writes.filter((w) => w.at > frozenAt + 1_000 && w.token).pop()!);
      await sleep(frozenAt + FREEZE_MS - Date.now());
      const lastFrozenWrite = writes.filter((w) => w.token).pop()!;
      endingAt = Date.now();
      await outage.finish(node);
      thawedAt = Date.now();
      outputAtThaw = { api: api.output.length, relay: relay.output.length, projector: projector.output.length };
      progress(outage.says.ended);
      for (const deadline = thawedAt + 30_000; ; ) {
        const read = await readConsistent(lastFrozenWrite);
        readsAfterThaw.push(read);
        if (read.status === 200 || Date.now() > deadline) break;
      }
      await sleep(thawedAt + 8_000 - Date.now());
      await load.stop();
      progress(`load stopped: ${writes.length} writes`);

      // Everything the log holds reaches the topic and the read models.
      admin = kafka.admin();
      await admin.connect();
      const log = SqliteEventStore.open(path.join(dataDir, 'events.sqlite'));
      const head = await log.headPosition();
      await log.close();
      for (const deadline = Date.now() + 60_000; ; await sleep(200)) {
        const offsets = await admin.fetchOffsets({ groupId: relayCheckpointGroup(relayId), topics: [CHECKPOINT_TOPIC] }).catch(() => []);
        if (Number(offsets[0]?.partitions[0]?.offset ?? -1) >= head) break;
        if (Date.now() > deadline) throw new Error(`the relay did not reach the log head ${head}:\n${relay.output.slice(-4000)}`);
      }
      for (const deadline = Date.now() + 90_000; ; await sleep(200)) {
        const lag = await consumerGroupLag(admin, group, topic).catch(() => undefined);
        if (lag && lag.length > 0 && lag.every((p) => p.lag === 0)) break;
        if (Date.now() > deadline) throw new Error(`the projectors still lag: ${JSON.stringify(lag)}:\n${projector.output.slice(-4000)}`);
      }
      progress(`relay and projector caught up with the log head ${head}`);
      // Readiness says it all is back before the pollers stop.
      for (const deadline = Date.now() + 60_000; ; await sleep(200)) {
        const last = ready.polls[ready.polls.length - 1];
        if (last && JSON.parse(last.text || '{}').status === 'ok') break;
        if (Date.now() > deadline) throw new Error(`readiness not ok again: ${last?.text}`);
      }
      await sleep(2_000);
      await Promise.all([ready.stop(), relayMetrics.stop(), projectorMetrics.stop()]);
    });

    afterAll(async () => {
      await Promise.all([load?.stop(), ready?.stop(), relayMetrics?.stop(), projectorMetrics?.stop()]);
      node?.thaw();
      await Promise.all([api?.kill(), relay?.kill(), projector?.kill()]);
      await admin?.disconnect().catch(() => undefined);
      await node?.stop('SIGKILL');
      await dropDatabases(database);
      rmSync(dir, { recursive: true, force: true });
      if (figures.length > 0) console.log(`broker ${outage.kind}: ${figures.join('; ')}`);
    });

    const during = (at: number) => at >= frozenAt && at < thawedAt;

    it(`took every write with 201 before, during and after ${outage.noun}, none slower than two seconds`, () => {
      const frozen = writes.filter((w) => during(w.at));
      const statuses = new Map<number, number>();
      for (const w of writes) statuses.set(w.status, (statuses.get(w.status) ?? 0) + 1);
      figures.push(
        `${writes.length} writes (${frozen.length} during ${outage.noun}, ${(frozen.length / (FREEZE_MS / 1000)).toFixed(1)}/s), statuses ${JSON.stringify(Object.fromEntries(statuses))}; ` +
          `during ${outage.noun} p50 ${percentile(frozen.map((w) => w.ms), 50)} ms, p99 ${percentile(frozen.map((w) => w.ms), 99)} ms, max ${Math.max(...frozen.map((w) => w.ms))} ms`,
      );
      expect([...statuses.keys()]).toEqual([201]);
      // A steady load throughout: at least 5 writes a second while the broker was frozen.
      expect(frozen.length).toBeGreaterThan((5 * FREEZE_MS) / 1000);
      expect(Math.max(...writes.map((w) => w.ms))).toBeLessThan(2_000);
    });

    it(`a read that must see a write made during ${outage.noun} answered 503 CONSISTENCY_TIMEOUT after the consistency timeout (5 s), not later; after ${outage.end} it answered 200`, () => {
      figures.push(
        `consistentWith read during ${outage.noun}: ${readWhileFrozen.status} ${readWhileFrozen.code} in ${readWhileFrozen.ms} ms; ` +
          `after ${outage.end}: ${readsAfterThaw.map((r) => `${r.status} in ${r.ms} ms`).join(', ')} (200 ${readsAfterThaw[readsAfterThaw.length - 1]!.at + readsAfterThaw[readsAfterThaw.length - 1]!.ms - thawedAt} ms after ${outage.end})`,
      );
      expect(readWhileFrozen).toMatchObject({ status: 503, code: 'CONSISTENCY_TIMEOUT' });
      expect(readWhileFrozen.ms).toBeGreaterThanOrEqual(4_900);
      expect(readWhileFrozen.ms).toBeLessThan(7_000);
      const last = readsAfterThaw[readsAfterThaw.length - 1]!;
      expect(last.status).toBe(200);
      // Everything before the last answer timed out as a 503 of its own, none hung past the timeout.
      for (const read of readsAfterThaw.slice(0, -1)) expect(read).toMatchObject({ status: 503, code: 'CONSISTENCY_TIMEOUT' });
      expect(Math.max(...readsAfterThaw.map((r) => r.ms))).toBeLessThan(7_000);
      expect(last.at + last.ms - thawedAt).toBeLessThan(15_000);
    });

    it(`readiness answered every poll within two seconds, 200 throughout, and said degraded with the broker down within three seconds of ${outage.noun}`, () => {
      const polls = ready.polls.map((p) => ({ ...p, body: JSON.parse(p.text || '{}') as { status?: string; checks?: Record<string, string> } }));
      expect(polls.filter((p) => p.status !== 200 || p.ms >= 2_000).map((p) => ({ at: p.at - frozenAt, status: p.status, ms: p.ms, body: p.body }))).toEqual([]);
      const firstDown = polls.find((p) => p.at >= frozenAt && p.body.checks?.broker === 'down');
      expect(firstDown).toBeDefined();
      const detectedAfter = firstDown!.at + firstDown!.ms - frozenAt;
      figures.push(`readiness said broker down ${detectedAfter} ms after ${outage.noun}; slowest readiness answer ${Math.max(...polls.map((p) => p.ms))} ms (${polls.length} polls)`);
      expect(detectedAfter).toBeLessThan(3_000);
      expect(firstDown!.body).toMatchObject({ status: 'degraded', checks: { eventLog: 'up', readModels: 'up', broker: 'down' } });
      // From then until the outage's end began it keeps saying so (no flapping back to up while the broker is out).
      const frozenAfterDetection = polls.filter((p) => p.at > firstDown!.at && p.at + p.ms < endingAt);
      expect(frozenAfterDetection.length).toBeGreaterThan(20);
      expect(frozenAfterDetection.filter((p) => p.body.checks?.broker !== 'down' || p.body.status !== 'degraded')).toEqual([]);
      // Before the freeze, the broker was up.
      expect(polls.filter((p) => p.at + p.ms < frozenAt).every((p) => p.body.checks?.broker === 'up')).toBe(true);
      // After the thaw: the broker up within five seconds, then ok.
      const firstUp = polls.find((p) => p.at >= thawedAt && p.body.checks?.broker === 'up');
      expect(firstUp).toBeDefined();
      const upAfter = firstUp!.at + firstUp!.ms - thawedAt;
      const firstOk = polls.find((p) => p.at >= thawedAt && p.body.status === 'ok');
      expect(firstOk).toBeDefined();
      figures.push(`readiness said broker up ${upAfter} ms after ${outage.end}, ok ${firstOk!.at + firstOk!.ms - thawedAt} ms after`);
      expect(upAfter).toBeLessThan(5_000);
    });

    for (const role of ['relay', 'projector'] as const) {
      it(`the ${role}'s /metrics answered every scrape within two seconds, with kafka 0 within three seconds of ${outage.noun} and 1 again after ${outage.end}`, () => {
        const scrapes = (role === 'relay' ? relayMetrics : projectorMetrics).polls;
        const series = `rapport_${role}_dependency_up{dependency="kafka"}`;
        expect(scrapes.filter((s) => s.status !== 200 || s.ms >= 2_000).map((s) => ({ at: s.at - frozenAt, status: s.status, ms: s.ms }))).toEqual([]);
        const firstDown = scrapes.find((s) => s.at >= frozenAt && metricSample(s.text, series) === 0);
        expect(firstDown).toBeDefined();
        const detectedAfter = firstDown!.at + firstDown!.ms - frozenAt;
        const firstUp = scrapes.find((s) => s.at >= thawedAt && metricSample(s.text, series) === 1);
        expect(firstUp).toBeDefined();
        const upAfter = firstUp!.at + firstUp!.ms - thawedAt;
        figures.push(`${role} metrics: kafka 0 ${detectedAfter} ms after ${outage.noun}, 1 ${upAfter} ms after ${outage.end}, slowest scrape ${Math.max(...scrapes.map((s) => s.ms))} ms (${scrapes.length} scrapes)`);
        expect(detectedAfter).toBeLessThan(3_000);
        expect(upAfter).toBeLessThan(5_000);
        // Scraped throughout the freeze (the projector's take about 1 s then: its lag read waits out its limit).
        const frozen = scrapes.filter((s) => s.at > firstDown!.at && s.at + s.ms < endingAt);
        expect(frozen.length).toBeGreaterThan(8);
        expect(frozen.filter((s) => metricSample(s.text, series) !== 0)).toEqual([]);
        if (role === 'relay') {
          // The committed position: never -1, never back, and past the freeze at the end.
          const positions = scrapes.map((s) => metricSample(s.text, `rapport_relay_position{relay="${relayId}"}`)).filter((p): p is number => p !== undefined);
          expect(positions.filter((p) => p < 0)).toEqual([]);
          for (let i = 1; i < positions.length; i++) expect(positions[i]).toBeGreaterThanOrEqual(positions[i - 1]!);
          const atFreeze = metricSample(firstDown!.text, `rapport_relay_position{relay="${relayId}"}`)!;
          expect(positions[positions.length - 1]).toBeGreaterThan(atFreeze);
          // Nothing published while frozen; after the thaw, the relay reaches the head the log had at the thaw.
          const frozenPositions = frozen.map((s) => metricSample(s.text, `rapport_relay_position{relay="${relayId}"}`));
          expect(new Set(frozenPositions)).toEqual(new Set([atFreeze]));
          const lastFrozen = frozen[frozen.length - 1]!;
          const headAtThaw = metricSample(lastFrozen.text, `rapport_relay_log_head_position{relay="${relayId}"}`)!;
          expect(headAtThaw).toBeGreaterThan(atFreeze);
          const caughtUp = scrapes.find((s) => s.at >= thawedAt && (metricSample(s.text, `rapport_relay_position{relay="${relayId}"}`) ?? -1) >= headAtThaw);
          expect(caughtUp).toBeDefined();
          figures.push(`relay: ${headAtThaw - atFreeze} events recorded during ${outage.noun} published ${caughtUp!.at + caughtUp!.ms - thawedAt} ms after ${outage.end}`);
          expect(caughtUp!.at + caughtUp!.ms - thawedAt).toBeLessThan(15_000);
          // The time of the last commit: recent before the freeze, standing still while frozen, moving after the thaw.
          const lastPublish = (s: Poll) => metricSample(s.text, `rapport_relay_last_publish_timestamp_seconds{relay="${relayId}"}`);
          const beforeFreeze = scrapes.filter((s) => s.at + s.ms < frozenAt).pop()!;
          expect(lastPublish(beforeFreeze)).toBeGreaterThan((frozenAt - 2_000) / 1000);
          const frozenStamps = new Set(frozen.map(lastPublish));
          expect(frozenStamps.size).toBe(1);
          expect([...frozenStamps][0]).toBeLessThan((frozenAt + 500) / 1000);
          expect(lastPublish(caughtUp!)).toBeGreaterThan(thawedAt / 1000);
          figures.push(`relay last publish timestamp ${(frozenAt / 1000 - [...frozenStamps][0]!).toFixed(2)} s before ${outage.noun} during ${outage.noun}`);
        }
      });
    }

    it('each role logged one line when the broker stopped answering and one when it answered again, and none crashed', () => {
      const lines = (output: string) => ({ away: linesMatching(output, /Kafka unreachable/), back: linesMatching(output, /Kafka reachable again after/) });
      expect(lines(api.output)).toEqual({ away: 1, back: 1 });
      expect(lines(relay.output)).toEqual({ away: 1, back: 1 });
      expect(lines(projector.output)).toEqual({ away: 1, back: 1 });
      expect(relay.running && projector.running).toBe(true);
      // After the thaw the broker's coordinators move and reload for a moment (its KRaft controller, frozen
      // with it, fences it and lets it back): kafkajs logs the retriable refusals, as after a broker restart.
      const kafkajsErrors = Object.entries({ api, relay, projector }).map(([name, role]) => `${name} ${linesMatching(role.output.slice(outputAtThaw[name as keyof typeof outputAtThaw]), /"logger":"kafkajs".*"level":"ERROR"|"level":"ERROR".*"logger":"kafkajs"/)}`);
      figures.push(`relay rebuilt after ${outage.end} ${linesMatching(relay.output, /relay failed; resuming/)} time(s); kafkajs ERROR lines after ${outage.end}: ${kafkajsErrors.join(', ')}`);
    });

    it('afterwards the topic holds every event of the log exactly once, in log order per customer, and the read models equal the log', async () => {
      const log = SqliteEventStore.open(path.join(dataDir, 'events.sqlite'));
      try {
        const recorded = await log.readAll();
        expect(recorded.length).toBe(writes.length);
        const messages = await readTopic(kafka, admin!, topic, 60_000);
        const published = messages.map((m) => JSON.parse(m.value!.toString()) as { eventId: string; customerId: string; revision: number });
        expect(published).toHaveLength(recorded.length);
        expect(new Set(published.map((e) => e.eventId)).size).toBe(recorded.length);
        expect(new Set(published.map((e) => e.eventId))).toEqual(new Set(recorded.map((e) => e.eventId)));
        const byCustomer = new Map<string, string[]>();
        for (const e of published) byCustomer.set(e.customerId, [...(byCustomer.get(e.customerId) ?? []), e.eventId]);
        for (const [customerId, eventIds] of byCustomer) {
          expect(eventIds).toEqual(recorded.filter((e) => e.customerId === customerId).map((e) => e.eventId));
        }
        // The projector opens sealed personal fields with the customers' keys; so does this rebuild.
        const keys = await MongoKeyStore.connect(mongoUrl(database));
        const rebuilt = await embeddedRebuildDigest(new SealingEventStore(log, new PersonalDataVault(keys))).finally(() => keys.close());
        const digest = await mongoDigest(database);
        expect(digest).toEqual(rebuilt);
        expect(digest).toMatchObject({ customers: CUSTOMERS, timeline: recorded.length });
        const parking = await MongoParkingLot.connect(mongoUrl(database));
        expect(await parking.list()).toEqual([]);
        await parking.close();
        const dlq = await admin!.fetchTopicOffsets(deadLetterTopic(topic));
        expect(dlq.every((p) => p.high === p.low)).toBe(true);
        figures.push(`${published.length} events on the topic, ${recorded.length} in the log; read models equal an embedded rebuild (sha256 ${digest.hash.slice(0, 12)}…)`);
      } finally {
        await log.close();
      }
    });
  });
}
