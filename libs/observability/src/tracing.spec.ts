import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import {
  activeTraceHeaders,
  contextFromTraceHeaders,
  inSpan,
  SpanKind,
  startItemSpans,
  startTracing,
  traceHeadersOf,
  tracingActive,
  tracingSettings,
  type Tracing,
} from './index';

describe('tracingSettings: off unless configured', () => {
  it('is off with nothing set', () => {
    expect(tracingSettings({})).toEqual({ enabled: false });
  });

  it('is on with the standard OTLP endpoint variables, the traces one first', () => {
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toEqual({ enabled: true, endpoint: 'http://collector:4318/v1/traces' });
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:4318/traces' })).toEqual({
      enabled: true,
      endpoint: 'http://b:4318/traces',
    });
  });

  it('is on with RAPPORT_TRACING=otlp (the SDK’s default endpoint), and off with off whatever else is set', () => {
    expect(tracingSettings({ RAPPORT_TRACING: 'otlp' })).toEqual({ enabled: true, endpoint: 'http://localhost:4318/v1/traces' });
    expect(tracingSettings({ RAPPORT_TRACING: 'off', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318' })).toEqual({ enabled: false });
    expect(tracingSettings({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318' })).toEqual({ enabled: false });
    expect(tracingSettings({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318' })).toEqual({ enabled: false });
  });

  it('refuses an unknown RAPPORT_TRACING', () => {
    expect(() => tracingSettings({ RAPPORT_TRACING: 'jaeger' })).toThrow(/RAPPORT_TRACING must be otlp or off/);
  });

  it('starts nothing when off', async () => {
    expect(await startTracing({ serviceName: 'rapport-test', env: {} })).toBeUndefined();
    expect(tracingActive()).toBe(false);
  });
});

describe('with tracing off', () => {
  it('runs work without a span, and yields no trace context', async () => {
    expect(await inSpan('x', {}, async (span) => span)).toBeUndefined();
    expect(activeTraceHeaders()).toEqual({});
    expect(contextFromTraceHeaders({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' })).toBeUndefined();
    expect(startItemSpans('x', SpanKind.INTERNAL, [{ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }], (i) => i, () => ({})).spans).toEqual([]);
  });
});

describe('with tracing on', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing | undefined;
  beforeAll(async () => {
    tracing = await startTracing({ serviceName: 'rapport-test', exporter });
  });
  afterAll(async () => {
    await tracing?.shutdown();
  });
  beforeEach(() => exporter.reset());

  it('nests spans, and gives the active one’s W3C context', async () => {
    let inner: ReturnType<typeof activeTraceHeaders> = {};
    await inSpan('outer', {}, () => inSpan('inner', {}, async () => void (inner = activeTraceHeaders())));
    const [innerSpan, outerSpan] = exporter.getFinishedSpans();
    expect(innerSpan!.parentSpanContext?.spanId).toBe(outerSpan!.spanContext().spanId);
    expect(inner).toEqual({ traceparent: `00-${outerSpan!.spanContext().traceId}-${innerSpan!.spanContext().spanId}-01` });
  });

  it('records a throw on the span and rethrows it', async () => {
    await expect(inSpan('failing', {}, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    const [span] = exporter.getFinishedSpans();
    expect(span!.status).toMatchObject({ code: 2, message: 'boom' });
    expect(span!.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('starts one child span per item with a valid context, and none for the others', () => {
    const items = [
      { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tracestate: 'rojo=1' },
      { traceparent: 'garbage' },
      {},
      { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    ];
    const group = startItemSpans('apply', SpanKind.CONSUMER, items, (item) => item, () => ({ 'rapport.test': true }));
    expect(group.spans.map((s) => s.item)).toEqual([items[0], items[3]]);
    group.end();
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => [s.spanContext().traceId, s.parentSpanContext?.spanId, s.kind])).toEqual([
      ['4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7', SpanKind.CONSUMER],
      ['0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331', SpanKind.CONSUMER],
    ]);
    // The parent's trace state travels on.
    expect(traceHeadersOf(group.spans[0]!.span)).toEqual({ traceparent: `00-4bf92f3577b34da6a3ce929d0e0e4736-${spans[0]!.spanContext().spanId}-01`, tracestate: 'rojo=1' });
  });

  it('is started once per process', async () => {
    await expect(startTracing({ serviceName: 'again', exporter })).rejects.toThrow(/already started for rapport-test/);
  });

  it('gives no context for an unsampled span', () => {
    const parent = contextFromTraceHeaders({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00' })!;
    const span = trace.getTracer('t').startSpan('unsampled', {}, parent);
    expect(span.isRecording()).toBe(false);
    expect(traceHeadersOf(span)).toEqual({});
    expect(context.with(trace.setSpan(context.active(), span), () => activeTraceHeaders())).toEqual({});
    span.end();
  });
});

describe('after shutdown', () => {
  it('is off again, and may be started anew', async () => {
    expect(tracingActive()).toBe(false);
    expect(await inSpan('x', {}, async (span) => span)).toBeUndefined();
    const exporter = new InMemorySpanExporter();
    const again = await startTracing({ serviceName: 'rapport-test', exporter });
    await inSpan('after', {}, async () => undefined);
    // (The in-memory exporter forgets its spans when shut down.)
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['after']);
    await again!.shutdown();
    expect(tracingActive()).toBe(false);
  });
});
