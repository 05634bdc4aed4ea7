// Spans and W3C trace context for the code that does the work (the write
// side, the projection runners, the relay, the projector). Only
// @opentelemetry/api and the W3C propagator: no SDK is loaded here, and while
// tracing is off (no SDK started, see tracing.ts) every helper returns at its
// first line, so the hot paths pay one boolean test.
import {
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Span,
  type SpanOptions,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

export { SpanKind, type Attributes, type Context, type Span };

/** The instrumentation scope of every Rapport span. */
export const TRACER_NAME = 'rapport';

/**
 * The W3C Trace Context of a span, as its two headers: what the log records in
 * an event's metadata, and what the relay puts on the Kafka message. Empty when
 * no sampled span is active.
 */
export interface TraceHeaders {
  readonly traceparent?: string;
  readonly tracestate?: string;
}

const NONE: TraceHeaders = Object.freeze({});
const w3c = new W3CTraceContextPropagator();
let active = false;

/** Whether a tracer provider was started in this process (startTracing); false means every helper is a no-op. */
export function tracingActive(): boolean {
  return active;
}

/** @internal Set by startTracing and its shutdown. */
export function setTracingActive(on: boolean): void {
  active = on;
}

export function tracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

/** The W3C headers of the active span, when tracing is on and that span is sampled; else none. */
export function activeTraceHeaders(): TraceHeaders {
  if (!active) return NONE;
  const span = trace.getActiveSpan();
  return span ? traceHeadersOf(span) : NONE;
}

/** The W3C headers of `span` when it is valid and sampled (so the trace it names is being recorded); else none. */
export function traceHeadersOf(span: Span): TraceHeaders {
  if (!active) return NONE;
  const spanContext = span.spanContext();
  if (!isSpanContextValid(spanContext) || (spanContext.traceFlags & TraceFlags.SAMPLED) === 0) return NONE;
  const carrier: Record<string, string> = {};
  w3c.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, defaultTextMapSetter);
  return carrier.tracestate ? { traceparent: carrier.traceparent, tracestate: carrier.tracestate } : { traceparent: carrier.traceparent };
}

/**
 * The remote parent named by W3C headers (a header map of an HTTP request or
 * a Kafka message, or an event's metadata), or undefined when tracing is off
 * or the headers name no valid context. A malformed `traceparent` is ignored,
 * as the W3C specification asks.
 */
export function contextFromTraceHeaders(headers: TraceHeaders | undefined): Context | undefined {
  if (!active || headers?.traceparent === undefined) return undefined;
  const carrier: Record<string, string> = { traceparent: headers.traceparent };
  if (headers.tracestate !== undefined) carrier.tracestate = headers.tracestate;
  const extracted = w3c.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
  const spanContext = trace.getSpanContext(extracted);
  return spanContext && isSpanContextValid(spanContext) ? extracted : undefined;
}

export interface InSpanOptions extends SpanOptions {
  /** The parent; the active context by default. */
  readonly parent?: Context;
}

/**
 * Runs `work` inside a new active span (child of the active one, or of
 * `parent`), ending it when the work settles; a throw is recorded on the span
 * (status ERROR) and rethrown. With tracing off `work` runs alone and gets no
 * span: compute attributes only when it gets one.
 */
export function inSpan<T>(name: string, options: InSpanOptions, work: (span: Span | undefined) => Promise<T>): Promise<T> {
  if (!active) return work(undefined);
  const { parent, ...spanOptions } = options;
  return tracer().startActiveSpan(name, spanOptions, parent ?? context.active(), async (span) => {
    try {
      return await work(span);
    } catch (error) {
      failSpan(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Marks the span failed by `error`. */
export function failSpan(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/** Spans started together over a batch (one per traced item), ended together. */
export interface SpanGroup<T> {
  /** Each traced item with its span, in the items' order. */
  readonly spans: readonly { readonly item: T; readonly span: Span }[];
  /** Ends every span (at `endTime`, epoch ms, when the work ended elsewhere); with `error`, each is marked failed by it. */
  end(error?: unknown, endTime?: number): void;
}

const NO_SPANS: SpanGroup<never> = Object.freeze({ spans: [], end: () => undefined });

/**
 * One span per item whose trace context is known, each a child of its own
 * item's context: a batch of events from many requests continues each
 * request's trace. Items without a context get no span. With tracing off,
 * nothing is read or parsed. `startTime` (epoch ms): the work began earlier,
 * in another thread that reports it now.
 */
export function startItemSpans<T>(
  name: string,
  kind: SpanKind,
  items: readonly T[],
  parentOf: (item: T) => TraceHeaders | undefined,
  attributesOf: (item: T) => Attributes,
  startTime?: number,
): SpanGroup<T> {
  if (!active) return NO_SPANS;
  const spans: { item: T; span: Span }[] = [];
  for (const item of items) {
    const parent = contextFromTraceHeaders(parentOf(item));
    if (parent === undefined) continue;
    spans.push({ item, span: tracer().startSpan(name, { kind, attributes: attributesOf(item), ...(startTime === undefined ? {} : { startTime }) }, parent) });
  }
  if (spans.length === 0) return NO_SPANS;
  return {
    spans,
    end(error?: unknown, endTime?: number) {
      for (const { span } of spans) {
        if (error !== undefined) failSpan(span, error);
        span.end(endTime);
      }
    },
  };
}
