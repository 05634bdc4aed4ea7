// Tracing in embedded mode (docs/observability.md): one POST is one trace,
// HTTP server span → rapport.decide and rapport.append → rapport.project (the
// in-process projection runner), and the append span's context is what the
// log records in the event's metadata. Off, nothing is recorded.
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startTracing, tracingActive, type Tracing } from '@rapport/observability';
import { ApiTestClient } from '../testing/api-test-client';

jest.setTimeout(60_000);

const ROUTE = '/v1/customers/:customerId/events';

async function spansUntil(exporter: InMemorySpanExporter, done: (spans: ReadableSpan[]) => boolean, timeoutMs = 10_000): Promise<ReadableSpan[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const spans = exporter.getFinishedSpans();
    if (done(spans)) return spans;
    if (Date.now() > deadline) throw new Error(`spans so far: ${spans.map((s) => s.name).join(', ')}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan) => span.spanContext().spanId;
const traceOf = (span: ReadableSpan) => span.spanContext().traceId;

describe('tracing, embedded', () => {
  describe('on (an in-memory exporter)', () => {
    const exporter = new InMemorySpanExporter();
    let tracing: Tracing | undefined;
    let api: ApiTestClient;

    beforeAll(async () => {
      tracing = await startTracing({ serviceName: 'rapport-api', exporter });
      api = await ApiTestClient.start();
    });
    afterAll(async () => {
      await api?.stop();
      await tracing?.shutdown();
    });
    beforeEach(() => exporter.reset());

    it('makes one POST one trace: HTTP → decide → append → projection, each the child of the one before', async () => {
      const posted = await api.event('trace-1', 'purchased', { orderId: 'o-1', amount: 4990, currency: 'EUR' });
      expect(posted.status).toBe(201);
      const eventId: string = posted.body.events[0].eventId;

      const spans = await spansUntil(exporter, (all) => all.some((s) => s.name === 'rapport.project' && s.attributes['rapport.event.id'] === eventId));
      const server = spans.find((s) => s.kind === SpanKind.SERVER && s.attributes['http.route'] === ROUTE)!;
      expect(server).toBeDefined();
      expect(server.name).toBe(`POST ${ROUTE}`);
      expect(server.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': ROUTE, 'http.response.status_code': 201 });
      expect(server.parentSpanContext).toBeUndefined();
      expect(server.resource.attributes['service.name']).toBe('rapport-api');

      const decide = spans.filter((s) => s.name === 'rapport.decide' && traceOf(s) === traceOf(server));
      const append = spans.filter((s) => s.name === 'rapport.append' && traceOf(s) === traceOf(server));
      const project = spans.filter((s) => s.name === 'rapport.project' && traceOf(s) === traceOf(server));
      expect([decide.length, append.length, project.length]).toEqual([1, 1, 1]);
      expect(parentOf(decide[0]!)).toBe(idOf(server));
      expect(decide[0]!.attributes).toMatchObject({ 'rapport.customer.id': 'trace-1', 'rapport.events.accepted': 1, 'rapport.attempt': 1 });
      expect(parentOf(append[0]!)).toBe(idOf(server));
      expect(append[0]!.attributes).toMatchObject({ 'rapport.customer.id': 'trace-1', 'rapport.events.count': 1 });
      // The projection ran later, in the subscription's own loop: its parent came through the log.
      expect(parentOf(project[0]!)).toBe(idOf(append[0]!));
      expect(project[0]!.kind).toBe(SpanKind.INTERNAL);
      expect(project[0]!.attributes).toMatchObject({ 'rapport.event.type': 'purchased', 'rapport.event.revision': 0 });

      // What the log recorded: the append span's W3C context, in the (hashed) metadata.
      const history = await api.get('/v1/audit/customers/trace-1/history');
      expect(history.body.events[0].metadata.traceparent).toBe(`00-${traceOf(server)}-${idOf(append[0]!)}-01`);
      expect(history.body.events[0].metadata.tracestate).toBeUndefined();
      expect((await api.get('/v1/audit/customers/trace-1/verify')).body).toMatchObject({ ok: true });
    });

    it('continues the caller’s W3C traceparent header', async () => {
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const posted = await api.event('trace-2', 'identified', {}, {}, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
      expect(posted.status).toBe(201);
      const spans = await spansUntil(exporter, (all) => all.some((s) => s.name === 'rapport.project' && traceOf(s) === traceId));
      const server = spans.find((s) => s.kind === SpanKind.SERVER && traceOf(s) === traceId)!;
      expect(server.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
      expect(server.parentSpanContext?.isRemote).toBe(true);
      expect(spans.filter((s) => traceOf(s) === traceId).map((s) => s.name).sort()).toEqual([`POST ${ROUTE}`, 'rapport.append', 'rapport.decide', 'rapport.project']);
    });

    it('records nothing of a caller’s unsampled trace', async () => {
      const traceId = '0af7651916cd43dd8448eb211c80319c';
      const posted = await api.event('trace-3', 'identified', {}, {}, { traceparent: `00-${traceId}-b7ad6b7169203331-00` });
      expect(posted.status).toBe(201);
      const history = await api.get('/v1/audit/customers/trace-3/history');
      expect(history.body.events[0].metadata).not.toHaveProperty('traceparent');
      expect(exporter.getFinishedSpans().filter((s) => traceOf(s) === traceId)).toEqual([]);
    });

    it('continues the trace into the playbook runner’s decisions on the event', async () => {
      const published = await api.request('PUT', '/v1/playbooks/complaint-sla', { template: 'complaint-sla', params: { sla: 'PT1M' } });
      expect(published.status).toBe(201);
      // Occurred an hour ago under a one-minute SLA: the runner enrolls and escalates at once.
      const complained = await api.event('trace-sla', 'complained', { complaintId: 'k-1', category: 'billing', severity: 'high' }, { occurredAt: new Date(Date.now() - 3_600_000).toISOString() });
      expect(complained.status).toBe(201);
      const complaintId: string = complained.body.events[0].eventId;
      const spans = await spansUntil(exporter, (all) => all.some((s) => s.name === 'rapport.playbooks.react' && s.attributes['rapport.event.id'] === complaintId));
      const react = spans.find((s) => s.name === 'rapport.playbooks.react' && s.attributes['rapport.event.id'] === complaintId)!;
      // The reaction is the child of the complaint's append; the decisions it appended are its children.
      const complaintAppend = spans.find((s) => idOf(s) === parentOf(react))!;
      expect(complaintAppend.name).toBe('rapport.append');
      const decisionAppends = spans.filter((s) => s.name === 'rapport.append' && traceOf(s) === traceOf(react) && s !== complaintAppend);
      expect(decisionAppends.length).toBeGreaterThan(0);
      for (const append of decisionAppends) expect(parentOf(append)).toBe(idOf(react));
      const history = await api.get('/v1/audit/customers/trace-sla/history');
      const decisions = history.body.events.filter((e: { type: string }) => e.type !== 'complained');
      expect(decisions.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['playbook_enrolled', 'action_requested']));
      const recordedBy = decisionAppends.map((append) => `00-${traceOf(react)}-${idOf(append)}-01`);
      for (const decision of decisions) expect(recordedBy).toContain(decision.metadata.traceparent);
    });

    it('traces a request Nest never sees (but not the probes), and refuses a trace context in an emitter’s metadata', async () => {
      const refused = await api.event('trace-4', 'identified', {}, { metadata: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } });
      expect(refused.status).toBe(400);
      expect(JSON.stringify(refused.body.errors)).toContain('metadata.traceparent');
      const unsupported = await api.post('/v1/customers/trace-4/events', 'not json', { 'content-type': 'text/plain' });
      expect(unsupported.status).toBe(415);
      expect((await api.get('/health/ready')).status).toBe(200);
      const spans = await spansUntil(exporter, (all) => all.filter((s) => s.kind === SpanKind.SERVER).length >= 2);
      expect(spans.filter((s) => s.kind === SpanKind.SERVER).map((s) => s.attributes['http.response.status_code']).sort()).toEqual([400, 415]);
      expect(spans.some((s) => s.name === 'rapport.append')).toBe(false);
    });
  });

  describe('off (the default)', () => {
    let api: ApiTestClient;
    beforeAll(async () => {
      api = await ApiTestClient.start();
    });
    afterAll(async () => api?.stop());

    it('records no trace context, even for a caller that sends one', async () => {
      expect(tracingActive()).toBe(false);
      const posted = await api.event('quiet-1', 'identified', {}, {}, { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
      expect(posted.status).toBe(201);
      const history = await api.get('/v1/audit/customers/quiet-1/history');
      expect(Object.keys(history.body.events[0].metadata).sort()).toEqual(['actor']);
    });
  });
});
