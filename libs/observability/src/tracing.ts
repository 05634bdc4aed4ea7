// Whether a process traces, read from the environment, and starting the
// OpenTelemetry SDK when it does. Off unless configured: without an OTLP
// endpoint (or RAPPORT_TRACING=otlp) nothing is loaded beyond the API, whose
// no-op tracer is what every span helper then meets.
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ConfigError } from '@rapport/config';
import { setTracingActive } from './trace-context';

/** `service.name` of each role's resource. */
export const SERVICE_NAMES = {
  api: 'rapport-api',
  relay: 'rapport-relay',
  projector: 'rapport-projector',
  playbookRunner: 'rapport-playbook-runner',
  cli: 'rapport-cli',
} as const;

export type TracingSettings = { readonly enabled: false } | { readonly enabled: true; readonly endpoint: string };

const DEFAULT_ENDPOINT = 'http://localhost:4318/v1/traces';

/**
 * `RAPPORT_TRACING`: `otlp` (on), `off`, or unset: on exactly when the
 * standard `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT`
 * is set. `OTEL_SDK_DISABLED=true` and `OTEL_TRACES_EXPORTER=none` turn it off
 * whatever else is set, as the OpenTelemetry specification says.
 */
export function tracingSettings(env: NodeJS.ProcessEnv = process.env): TracingSettings {
  const mode = env.RAPPORT_TRACING?.trim().toLowerCase() || undefined;
  if (mode !== undefined && mode !== 'otlp' && mode !== 'off') {
    throw new ConfigError(`RAPPORT_TRACING must be otlp or off, not ${JSON.stringify(env.RAPPORT_TRACING)}`);
  }
  if (mode === 'off' || env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return { enabled: false };
  const exporters = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase();
  if (exporters !== undefined && exporters !== '' && exporters.split(',').every((e) => e.trim() === 'none')) return { enabled: false };
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  // The exporter reads the same variables: a signal endpoint as is, a base endpoint plus /v1/traces.
  const endpoint = traces || (base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined);
  if (endpoint !== undefined) return { enabled: true, endpoint };
  return mode === 'otlp' ? { enabled: true, endpoint: DEFAULT_ENDPOINT } : { enabled: false };
}

export interface StartTracingOptions {
  /** `service.name` of the resource (SERVICE_NAMES); `OTEL_SERVICE_NAME` overrides it. */
  readonly serviceName: string;
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Tests: export here (an InMemorySpanExporter), synchronously, whatever the
   * environment says. Without it the OTLP/HTTP exporter, batched.
   */
  readonly exporter?: SpanExporter;
}

export interface Tracing {
  readonly serviceName: string;
  /** Where spans go: the OTLP endpoint, or `custom exporter`. */
  readonly destination: string;
  /** Exports the spans not yet sent. */
  forceFlush(): Promise<void>;
  /** Flushes, stops the provider and unregisters it: the helpers are no-ops again. Idempotent. */
  shutdown(): Promise<void>;
}

let current: Tracing | undefined;

/**
 * Starts the SDK when tracing is configured (or an exporter is given), and
 * registers it as the global tracer provider, with the async-hooks context
 * manager and the W3C Trace Context propagator. Returns undefined when tracing
 * is off; call shutdown() on graceful stop.
 */
export async function startTracing(options: StartTracingOptions): Promise<Tracing | undefined> {
  if (current) throw new Error(`tracing already started for ${current.serviceName}`);
  const env = options.env ?? process.env;
  const settings = options.exporter ? undefined : tracingSettings(env);
  if (settings && !settings.enabled) return undefined;
  // Loaded only now: a process that does not trace never loads the SDK.
  const { startSdk } = await import('./sdk');
  const serviceName = env.OTEL_SERVICE_NAME?.trim() || options.serviceName;
  const sdk = startSdk({ serviceName, ...(options.exporter ? { exporter: options.exporter } : {}), ...(settings ? { endpoint: settings.endpoint } : {}) });
  setTracingActive(true);
  let stopped: Promise<void> | undefined;
  const tracing: Tracing = {
    serviceName,
    destination: settings ? settings.endpoint : 'custom exporter',
    forceFlush: () => sdk.forceFlush(),
    shutdown: () => {
      stopped ??= (async () => {
        setTracingActive(false);
        try {
          await sdk.shutdown();
        } finally {
          if (current === tracing) current = undefined;
        }
      })();
      return stopped;
    },
  };
  current = tracing;
  return tracing;
}
