// The OpenTelemetry SDK, loaded by startTracing only when tracing is on.
import { context, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

export interface Sdk {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

export function startSdk(options: { serviceName: string; exporter?: SpanExporter; endpoint?: string }): Sdk {
  // telemetry.sdk.*, then OTEL_RESOURCE_ATTRIBUTES, then the role's service.name (OTEL_SERVICE_NAME, read by the caller, wins).
  const resource = defaultResource()
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }));
  // The exporter reads OTEL_EXPORTER_OTLP_* (headers, timeout, compression) itself; JSON over HTTP.
  const processor = options.exporter
    ? new SimpleSpanProcessor(options.exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter(options.endpoint ? { url: options.endpoint } : {}));
  // The sampler is the SDK's default, or OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG: parent-based, always on.
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  return {
    forceFlush: () => provider.forceFlush(),
    async shutdown() {
      try {
        await provider.shutdown();
      } finally {
        trace.disable();
        context.disable();
        propagation.disable();
      }
    },
  };
}
