// Tracing across processes (docs/observability.md): the API, the relay and
// the projector as three processes on the local Kafka and FerretDB, each
// exporting OTLP/HTTP (JSON) to a small receiver run by this test. One POST is
// one trace: the API's server, decide and append spans, the relay's publish
// span (child of the append span, whose context the log recorded in the
// event's metadata), and the projector's process span (child of the publish
// span, through the message's W3C `traceparent` header); the message also
// carries the event's origin as the CloudEvents `ce_traceparent` extension.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { describeWithInfra, RoleProcess } from '@rapport/config/testing';
import { deadLetterTopic } from '@rapport/messaging';
import { removeDistributedScope } from '../testing/distributed-cleanup';
import { ServerProcess } from '../testing/server-process';

jest.setTimeout(180_000);

const brokers = (process.env.RAPPORT_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const mongoBase = (process.env.RAPPORT_MONGO_URL ?? 'mongodb://127.0.0.1:27017/rapport').replace(/\/[^/]*$/, '');

/** A span as OTLP/JSON carries it, with its resource's service.name. */
interface CollectedSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes: Record<string, unknown>;
}

const KIND = { internal: 1, server: 2, producer: 4, consumer: 5 } as const;

type AnyValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
const valueOf = (v: AnyValue): unknown => v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : (v.boolValue ?? v.doubleValue));
const attributesOf = (list: { key: string; value: AnyValue }[] = []) => Object.fromEntries(list.map((a) => [a.key, valueOf(a.value)]));

/** An OTLP/HTTP trace receiver: POST /v1/traces with a JSON ExportTraceServiceRequest. */
async function otlpReceiver() {
  const spans: CollectedSpan[] = [];
  const problems: string[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/v1/traces' || !/^application\/json/.test(request.headers['content-type'] ?? '')) {
        problems.push(`${request.method} ${request.url} ${request.headers['content-type']}`);
        response.writeHead(400).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      for (const resourceSpans of body.resourceSpans ?? []) {
        const service = String(attributesOf(resourceSpans.resource?.attributes)['service.name']);
        for (const scope of resourceSpans.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) {
            spans.push({
              service,
              traceId: span.traceId,
              spanId: span.spanId,
              ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
              name: span.name,
              kind: span.kind,
              attributes: attributesOf(span.attributes),
            });
          }
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    spans,
    problems,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describeWithInfra('kafka', 'mongo')('tracing in distributed mode (API, relay, projector)', () => {
  const id = randomUUID().replace(/-/g, '').slice(0, 10);
  const topic = `test.trace.${id}`;
  const database = `trace_${id}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'rapport-tracing-'));
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING, clientId: 'tracing-test' });
  let receiver: Awaited<ReturnType<typeof otlpReceiver>>;
  let env: Record<string, string>;
  let api: ServerProcess | undefined;
  let relay: RoleProcess | undefined;
  let projector: RoleProcess | undefined;

  beforeAll(async () => {
    receiver = await otlpReceiver();
    env = {
      RAPPORT_MODE: 'distributed',
      RAPPORT_DATA_DIR: dataDir,
      RAPPORT_MONGO_URL: `${mongoBase}/${database}`,
      RAPPORT_KAFKA_TOPIC: topic,
      RAPPORT_KAFKA_ACTIONS_TOPIC: `${topic}.actions`,
      RAPPORT_RELAY_ID: `relay-${id}`,
      RAPPORT_PROJECTOR_GROUP: `projector-${id}`,
      RAPPORT_PROJECTOR_METRICS_PORT: '0',
      RAPPORT_RELAY_METRICS_PORT: '0',
      RAPPORT_LOG_LEVEL: 'info',
      // The standard variable alone turns tracing on; spans are exported every 100 ms.
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    projector = RoleProcess.start('projector', env);
    relay = RoleProcess.start('relay', env);
    await Promise.all([projector.waitFor(/projector consuming/), relay.waitFor(/resuming after log position/)]);
    api = await ServerProcess.start(dataDir, undefined, env);
  });

  afterAll(async () => {
    await api?.kill().catch(() => undefined);
    await relay?.kill();
    await projector?.kill();
    await receiver?.close();
    await removeDistributedScope({ kafka, topics: [topic, `${topic}.actions`, deadLetterTopic(topic)], mongoBase, database, dataDir });
  });

  it('follows one POST as one trace: HTTP → decide, append → relay publish → projector process', async () => {
    const posted = await api!.post('/v1/customers/traced-1/events', {
      type: 'purchased',
      occurredAt: '2026-03-02T10:00:00Z',
      data: { orderId: 'o-1', amount: 4200, currency: 'EUR' },
    });
    expect(posted.status).toBe(201);
    const eventId: string = posted.body.events[0].eventId;
    // Through Kafka into MongoDB.
    const view = await api!.get(`/v1/customers/traced-1?consistentWith=${posted.body.consistencyToken}`);
    expect(view.status).toBe(200);

    const deadline = Date.now() + 30_000;
    const find = () => {
      const server = receiver.spans.find((s) => s.service === 'rapport-api' && s.kind === KIND.server && s.attributes['http.route'] === '/v1/customers/:customerId/events');
      const trace = server ? receiver.spans.filter((s) => s.traceId === server.traceId) : [];
      return { server, trace, process: trace.find((s) => s.service === 'rapport-projector') };
    };
    while (!find().process && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const { server, trace } = find();
    expect(receiver.problems).toEqual([]);
    expect(server).toBeDefined();
    const named = (service: string, name: string) => {
      const found = trace.filter((s) => s.service === service && s.name === name);
      expect([service, name, found.length]).toEqual([service, name, 1]);
      return found[0]!;
    };
    const decide = named('rapport-api', 'rapport.decide');
    const append = named('rapport-api', 'rapport.append');
    const publish = named('rapport-relay', `publish ${topic}`);
    const consume = named('rapport-projector', `process ${topic}`);
    expect(server!.parentSpanId).toBeUndefined();
    expect(server!.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.response.status_code': 201 });
    expect(decide.parentSpanId).toBe(server!.spanId);
    expect(append.parentSpanId).toBe(server!.spanId);
    // The relay read the event from the log in another process: its parent came from the event's metadata.
    expect(publish.parentSpanId).toBe(append.spanId);
    expect(publish.kind).toBe(KIND.producer);
    expect(publish.attributes).toMatchObject({ 'messaging.system': 'kafka', 'messaging.destination.name': topic, 'messaging.message.id': eventId });
    // The projector's parent came from the Kafka message's headers.
    expect(consume.parentSpanId).toBe(publish.spanId);
    expect(consume.kind).toBe(KIND.consumer);
    expect(consume.attributes).toMatchObject({ 'messaging.system': 'kafka', 'messaging.message.id': eventId, 'rapport.event.type': 'rapport.customer.purchased.v1' });

    // The message on the topic: the origin as the CloudEvents extension, the hop as W3C traceparent.
    const consumer = kafka.consumer({ groupId: `trace-reader-${id}`, readUncommitted: false });
    const headers = await new Promise<Record<string, string>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message on the topic')), 30_000);
      void (async () => {
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ message }) => {
            const all = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
            if (all.ce_id === eventId) {
              clearTimeout(timer);
              resolve(all);
            }
          },
        });
      })().catch(reject);
    });
    await consumer.disconnect();
    expect(headers.ce_traceparent).toBe(`00-${server!.traceId}-${append.spanId}-01`);
    expect(headers.traceparent).toBe(`00-${server!.traceId}-${publish.spanId}-01`);

    // And the log recorded the origin in the event's metadata.
    const history = await api!.get('/v1/audit/customers/traced-1/history');
    expect(history.body.events[0].metadata.traceparent).toBe(headers.ce_traceparent);
  });

  it('flushes on a graceful stop: each role exits 0', async () => {
    expect(await api!.stop()).toBe(0);
    expect(await relay!.stop()).toMatchObject({ code: 0 });
    expect(await projector!.stop()).toMatchObject({ code: 0 });
    expect(receiver.problems).toEqual([]);
    expect(new Set(receiver.spans.map((s) => s.service))).toEqual(new Set(['rapport-api', 'rapport-relay', 'rapport-projector']));
  });
});
