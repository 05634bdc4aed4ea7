// Distributed mode when MongoDB (read models and personal-data keys) goes away
// or hangs: the API answers within seconds — 503 with Retry-After for what
// needs MongoDB, recording nothing — keeps taking writes that do not need it,
// readiness says so at once, and everything works again when MongoDB returns.
// MongoDB here is a FerretDB of the test's own, so killing and freezing it
// disturbs no other test.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describeWithInfra, FerretNode, RoleProcess } from '@rapport/config/testing';
import { ServerProcess } from '../testing/server-process';

jest.setTimeout(180_000);

interface Answer {
  status: number;
  body: any;
  retryAfter: string | null;
  ms: number;
}

describeWithInfra('kafka', 'mongo')('distributed mode when MongoDB fails', () => {
  const id = randomUUID().replace(/-/g, '').slice(0, 10);
  const dir = mkdtempSync(path.join(tmpdir(), 'rapport-mongo-faults-'));
  let mongo: FerretNode;
  let api: ServerProcess;
  /** A projector on the same MongoDB, for its /metrics and its log while MongoDB is away. */
  let projector: RoleProcess;

  async function call(method: 'GET' | 'POST', url: string, body?: unknown): Promise<Answer> {
    const started = Date.now();
    const response = await fetch(`${api.baseUrl}${url}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(60_000),
    });
    return { status: response.status, body: await response.json(), retryAfter: response.headers.get('retry-after'), ms: Date.now() - started };
  }

  const identify = (customerId: string) =>
    call('POST', `/v1/customers/${customerId}/events`, { type: 'identified', occurredAt: '2026-03-01T10:00:00Z', data: { name: 'Ada Lovelace', email: 'ada@example.com' } });
  const contact = (customerId: string) =>
    call('POST', `/v1/customers/${customerId}/events`, { type: 'contacted', occurredAt: '2026-03-01T10:00:00Z', data: { channel: 'email', direction: 'outbound' } });

  /** Nothing of the refused write is in the log (audit reads the log, not MongoDB). */
  async function expectNothingRecorded(customerId: string): Promise<void> {
    const history = await call('GET', `/v1/audit/customers/${customerId}/history`);
    expect(history.status).toBe(404);
  }

  function expectUnavailable(answer: Answer, withinMs: number): void {
    // Anything else: the server's own account of it, so a failure says what the server saw.
    if (answer.status !== 503) throw new Error(`expected 503, got ${JSON.stringify(answer)}; server output:\n${api.output.slice(-6000)}`);
    expect(answer).toMatchObject({ status: 503, retryAfter: expect.stringMatching(/^\d+$/), body: { code: 'DEPENDENCY_UNAVAILABLE' } });
    expect(answer.body.detail).toContain('MongoDB');
    // The driver's default would hold the request 30 s; the client must hear within seconds.
    expect(answer.ms).toBeLessThan(withinMs);
  }

  async function untilRecovered(): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (let n = 0; ; n++) {
      const answer = await identify(`back-${n}`);
      if (answer.status === 201) return;
      if (Date.now() > deadline) throw new Error(`no recovery: ${JSON.stringify(answer)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  beforeAll(async () => {
    mongo = await FerretNode.start(path.join(dir, 'ferretdb'));
    Object.assign(process.env, {
      RAPPORT_MODE: 'distributed',
      RAPPORT_MONGO_URL: mongo.url(`faults_${id}`),
      RAPPORT_KAFKA_TOPIC: `test.faults.${id}`,
      RAPPORT_RELAY_ID: `relay-${id}`,
      RAPPORT_PROJECTOR_GROUP: `projector-${id}`,
    });
    api = await ServerProcess.start(path.join(dir, 'data'), undefined, { RAPPORT_LOG_LEVEL: 'info' });
    projector = RoleProcess.start('projector', { RAPPORT_PROJECTOR_METRICS_PORT: '0', RAPPORT_LOG_LEVEL: 'info' });
    await projector.waitFor(/projector consuming/, 60_000);
  });

  async function waitForLine(output: () => string, pattern: RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(output())) {
      if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The projector's /metrics answers at once, saying MongoDB is down (after its next probe) and Kafka up. */
  async function expectProjectorMetricsSayMongoDown(): Promise<void> {
    const url = /"metrics":"([^"]+)"/.exec(projector.output)![1]!;
    const deadline = Date.now() + 5_000;
    for (;;) {
      const started = Date.now();
      const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      const text = await response.text();
      expect(response.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(2_500);
      if (/^rapport_projector_dependency_up\{dependency="mongodb"\} 0$/m.test(text)) {
        expect(text).toMatch(/^rapport_projector_dependency_up\{dependency="kafka"\} 1$/m);
        return;
      }
      if (Date.now() > deadline) throw new Error(`projector metrics still say MongoDB is up:\n${text.split('\n').filter((l) => l.includes('dependency')).join('\n')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  afterAll(async () => {
    await api?.kill().catch(() => undefined);
    await projector?.kill();
    await mongo?.kill();
    for (const name of ['RAPPORT_MODE', 'RAPPORT_MONGO_URL', 'RAPPORT_KAFKA_TOPIC', 'RAPPORT_RELAY_ID', 'RAPPORT_PROJECTOR_GROUP']) delete process.env[name];
    rmSync(dir, { recursive: true, force: true });
  });

  it('works while MongoDB answers', async () => {
    expect((await identify('before')).status).toBe(201);
    expect((await call('GET', '/health/ready')).status).toBe(200);
  });

  describe('MongoDB stopped', () => {
    beforeAll(async () => {
      await mongo.kill();
    });
    afterAll(async () => {
      await mongo.restart();
      await untilRecovered();
      // Before the next outage: the background monitors (a probe a second) have seen this one end.
      await Promise.all([api, projector].map((role) => waitForLine(() => role.output, /MongoDB reachable again after/, 10_000)));
    });

    it('refuses a write that needs a personal-data key with 503 and Retry-After within seconds, recording nothing', async () => {
      expectUnavailable(await identify('while-down'), 5_000);
      await expectNothingRecorded('while-down');
    });

    it('still records a write that needs no key', async () => {
      const answer = await contact('no-key-needed');
      expect(answer.status).toBe(201);
      expect(answer.ms).toBeLessThan(5_000);
    });

    it('says so at readiness within its probe limit', async () => {
      const ready = await call('GET', '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.checks).toMatchObject({ eventLog: 'up', readModels: 'down' });
      expect(ready.ms).toBeLessThan(3_000);
    });

    it('answers a read with 503 and Retry-After instead of a 500', async () => {
      expectUnavailable(await call('GET', '/v1/customers/before'), 5_000);
    });

    it("the projector's /metrics answers 200 at once, saying MongoDB is down", async () => {
      await expectProjectorMetricsSayMongoDown();
    });
  });

  describe('MongoDB frozen (it holds its connections and answers nothing)', () => {
    beforeAll(() => {
      mongo.freeze();
    });
    afterAll(async () => {
      mongo.thaw();
      await untilRecovered();
    });

    it('says so at readiness within its probe limit', async () => {
      const ready = await call('GET', '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.checks.readModels).toBe('down');
      expect(ready.ms).toBeLessThan(3_000);
    });

    it('answers a read with 503 within seconds instead of hanging', async () => {
      expectUnavailable(await call('GET', '/v1/customers/before'), 10_000);
    });

    it('refuses a write that needs a key with 503 within seconds, recording nothing', async () => {
      expectUnavailable(await identify('while-frozen'), 10_000);
      await expectNothingRecorded('while-frozen');
    });

    it("the projector's /metrics answers 200 at once, saying MongoDB is down", async () => {
      await expectProjectorMetricsSayMongoDown();
    });
  });

  it('records writes with personal data again once MongoDB is back, and is ready', async () => {
    expect((await identify('after')).status).toBe(201);
    const deadline = Date.now() + 30_000;
    while ((await call('GET', '/health/ready')).status !== 200) {
      if (Date.now() > deadline) throw new Error('not ready after MongoDB came back');
      await new Promise((r) => setTimeout(r, 500));
    }
  });

  it('logged one line each time MongoDB went away and one each time it returned (two outages), in the API and the projector', async () => {
    // The monitors probe every second: give them a moment to see it back.
    await new Promise((r) => setTimeout(r, 2_000));
    const lines = (output: string) => ({
      away: output.split('\n').filter((line) => /MongoDB unreachable/.test(line)).length,
      back: output.split('\n').filter((line) => /MongoDB reachable again after/.test(line)).length,
    });
    expect(lines(api.output)).toEqual({ away: 2, back: 2 });
    expect(lines(projector.output)).toEqual({ away: 2, back: 2 });
  });
});
