// Prometheus metrics: process defaults plus what an operator of an event log
// watches — events recorded and refused, and how far the read models lag.
import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { RecordOutcome } from '@rapport/application';

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

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'rapport_' });
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
