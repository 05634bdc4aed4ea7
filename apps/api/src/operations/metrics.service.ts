// Prometheus metrics: process defaults (event-loop lag among them) plus what
// an operator of an event log watches — HTTP requests by route and status,
// events recorded and refused, and how far the read models lag.
import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AnalyticsWarmerStats, RecordOutcome } from '@rapport/application';
import type { ThreadHeap } from '@rapport/wiring';

@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly outcomes = new Counter({
    name: 'rapport_events_total',
    help: 'Events submitted, by outcome (recorded, duplicate, rejected) and code',
    labelNames: ['status', 'code'] as const,
    registers: [this.registry],
  });
  readonly logHead = new Gauge({
    name: 'rapport_log_head_position',
    help: 'Position of the last event in the log',
    registers: [this.registry],
  });
  readonly projectionPosition = new Gauge({
    name: 'rapport_projection_position',
    help: 'Position of the last event the read models reflect',
    registers: [this.registry],
  });

  readonly projectionLag = new Gauge({
    name: 'rapport_projection_lag_events',
    help: 'Events in the log the read models do not reflect yet (log head − projection position)',
    registers: [this.registry],
  });
  // Labelled `process`, so that where no runner runs there is no series at all (see setPlaybookRunner).
  private readonly runnerPosition = this.runnerGauge('position', 'Position of the last event the playbook runner of this process has decided on');
  private readonly runnerLag = this.runnerGauge('lag_events', 'Events in the log the playbook runner of this process has not decided on yet (log head − runner position)');
  private readonly runnerWritesBehind = this.runnerGauge('writes_behind', 'Due-time writes the playbook runner has asked of its store that are not on disk yet');
  private readonly runnerLanding = this.runnerGauge('commit_landing_seconds', "How long the runner's store commit now in flight has taken so far, retries included (0 when none is)");
  private readonly analyticsAhead = new Gauge({
    name: 'rapport_analytics_computed_ahead_passes',
    help: 'Passes in which the costly analytics were computed ahead, after a change to the purchases settled',
    registers: [this.registry],
  });
  private readonly analyticsAheadSeconds = new Gauge({
    name: 'rapport_analytics_computed_ahead_last_seconds',
    help: 'How long the last such pass took',
    registers: [this.registry],
  });
  private readonly analyticsBehind = new Gauge({
    name: 'rapport_analytics_computed_ahead_behind',
    help: '1 while a change to the purchases is still to be computed ahead (settling, waiting for the pass interval, or in a pass), else 0',
    registers: [this.registry],
  });
  private readonly threadHeapUsed = new Gauge({
    name: 'rapport_thread_heap_used_bytes',
    help: "V8 heap in use of each worker thread (the projection thread, each fit worker), as it last reported it; the main thread's is rapport_nodejs_heap_size_used_bytes",
    labelNames: ['thread'] as const,
    registers: [this.registry],
  });
  private readonly threadHeapTotal = new Gauge({
    name: 'rapport_thread_heap_total_bytes',
    help: 'V8 heap size of each worker thread, as it last reported it',
    labelNames: ['thread'] as const,
    registers: [this.registry],
  });
  private readonly modelFitJobs = new Gauge({
    name: 'rapport_model_fit_jobs',
    help: 'Model fits on the fit workers, by state: running on a worker, or waiting for one (no series when fits run on the event loop)',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });
    private readonly httpRequests = new Counter({
    name: 'rapport_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly httpDuration = new Histogram({
    name: 'rapport_http_request_duration_seconds',
    help: 'Time from receiving a request to sending its answer, by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor() {
    // Includes rapport_nodejs_eventloop_lag_seconds and its percentiles.
    collectDefaultMetrics({ register: this.registry, prefix: 'rapport_' });
  }

  /**
   * One answered request. `route` is the template (`/v1/customers/:customerId`),
   * never the URL, so the series stay few; a request no route matched is `unmatched`.
   */
  observeHttp(method: string, route: string | undefined, status: number, seconds: number): void {
    const labels = { method, route: route ?? 'unmatched', status: String(status) };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }

  /** The log head and the read models' position, read at scrape time. */
  setPositions(logHead: number, projection: number): void {
    this.logHead.set(logHead);
    this.projectionPosition.set(projection);
    this.projectionLag.set(Math.max(0, logHead - projection));
  }

  /**
   * The playbook runner of this process, read at scrape time. Labelled, so that
   * where none runs there is no series at all (a gauge without labels would
   * read 0 there: a runner caught up, as far as an alert could tell).
   */
  setPlaybookRunner(logHead: number, runner: { position: number; writesBehind: number; landingMs: number } | undefined): void {
    for (const gauge of [this.runnerPosition, this.runnerLag, this.runnerWritesBehind, this.runnerLanding]) gauge.reset();
    if (!runner) return;
    const labels = { process: 'api' };
    this.runnerPosition.set(labels, runner.position);
    this.runnerLag.set(labels, Math.max(0, logHead - runner.position));
    this.runnerWritesBehind.set(labels, runner.writesBehind);
    this.runnerLanding.set(labels, runner.landingMs / 1000);
  }

  private runnerGauge(name: string, help: string): Gauge<'process'> {
    return new Gauge({ name: `rapport_playbook_runner_${name}`, help, labelNames: ['process'] as const, registers: [this.registry] });
  }

  /** The worker threads that run now, read at scrape time: a thread that went has no series. */
  setThreadHeaps(heaps: readonly ThreadHeap[]): void {
    this.threadHeapUsed.reset();
    this.threadHeapTotal.reset();
    for (const { thread, usedBytes, totalBytes } of heaps) {
      this.threadHeapUsed.set({ thread }, usedBytes);
      this.threadHeapTotal.set({ thread }, totalBytes);
    }
  }

  /** The fit workers' jobs, read at scrape time; undefined: no fit workers (RAPPORT_FIT_WORKERS=0). */
  setModelFitJobs(load: { readonly running: readonly unknown[]; readonly waiting: number } | undefined): void {
    this.modelFitJobs.reset();
    if (!load) return;
    this.modelFitJobs.set({ state: 'running' }, load.running.length);
    this.modelFitJobs.set({ state: 'waiting' }, load.waiting);
  }

  /** The analytics warmer's passes, read at scrape time. */
  setAnalyticsAhead(stats: AnalyticsWarmerStats): void {
    this.analyticsAhead.set(stats.passes);
    this.analyticsAheadSeconds.set(stats.lastDurationMs / 1000);
    this.analyticsBehind.set(stats.behind ? 1 : 0);
  }

  countOutcome(outcome: RecordOutcome): void {
    const code = outcome.status === 'rejected' ? outcome.code : '';
    this.outcomes.inc({ status: outcome.status, code });
  }

  /** An event refused at the edge, before any rule saw it. */
  countInvalid(): void {
    this.outcomes.inc({ status: 'rejected', code: 'VALIDATION_FAILED' });
  }
}
