import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiExtraModels, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AnalyticsWarmer, classifyProjection, CustomerReadModels, PlaybookRunner, READ_MODELS_CHECKPOINT, ReadProgress, type ProjectionHealth } from '@rapport/application';
import { withTimeLimit, type RapportConfig } from '@rapport/config';
import type { EventStore } from '@rapport/event-store';
import type { ThreadHeapSource, WorkerModelFitter } from '@rapport/wiring';
import { Authenticated, Public } from '../auth/access.decorators';
import { DependencyHealth } from '../infrastructure/dependency-health';
import { EVENT_STORE, MODEL_FITTER, RAPPORT_CONFIG, READ_MODELS, THREAD_HEAPS } from '../infrastructure/tokens';
import { MetricsService } from './metrics.service';
import { LiveDto, ProjectionHealthDto, ReadinessDto } from './operations.response';

@ApiTags('operations')
@ApiExtraModels(ProjectionHealthDto)
@Controller()
export class OperationsController {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(READ_MODELS) private readonly readModels: CustomerReadModels,
    private readonly progress: ReadProgress,
    private readonly metrics: MetricsService,
    @Inject(RAPPORT_CONFIG) private readonly config: RapportConfig,
    private readonly dependencies: DependencyHealth,
    private readonly warmer: AnalyticsWarmer,
    @Inject(THREAD_HEAPS) private readonly threads: ThreadHeapSource,
    private readonly runner: PlaybookRunner,
    @Inject(MODEL_FITTER) private readonly fitter: WorkerModelFitter | undefined,
  ) {}

  @Get('health/live')
  @Public()
  @ApiOperation({ summary: 'The process is up' })
  @ApiOkResponse({ type: LiveDto })
  live() {
    return { status: 'ok' };
  }

  @Get('health/ready')
  @Public()
  @ApiOperation({ summary: 'The log and read models answer, the broker answers (distributed mode) and the projections keep up: ok, degraded or unavailable' })
  @ApiOkResponse({ type: ReadinessDto, description: 'Ready: every check up (status ok), or serving with the broker down or the projections behind (status degraded)' })
  @ApiServiceUnavailableResponse({ type: ReadinessDto, description: 'Not ready: status unavailable — the log or the read models down, or (embedded mode) the in-process projections stalled or down' })
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    // Each probe has its own time limit, so a store that hangs reads as down instead of hanging the probe.
    const limit = this.config.readyProbeMs;
    const [projection, eventLog, readModels, broker] = await Promise.all([
      withTimeLimit(limit, () => this.projectionHealth(), 'projection health').catch(() => undefined),
      probe(limit, () => this.eventStore.headPosition()),
      probe(limit, () => this.readModels.ping()),
      this.brokerState(limit),
    ]);
    const projections = projection?.status ?? (this.progress.running ? 'up' : 'down');
    const checks = { eventLog, readModels, projections, ...(broker ? { broker } : {}) };
    const status = readiness(checks, this.config.mode === 'distributed');
    reply.status(status === 'unavailable' ? 503 : 200);
    return { status, checks, ...(projection ? { projections: { [READ_MODELS_CHECKPOINT]: projection } } : {}) };
  }

  /** Distributed mode: the broker as the background monitor last found it (one probe now if it has not answered yet). */
  private async brokerState(limit: number): Promise<'up' | 'down' | undefined> {
    const monitor = this.dependencies.kafka;
    if (!monitor) return undefined;
    const state = monitor.state === 'unknown' ? await withTimeLimit(limit, () => monitor.check(), 'Kafka').catch(() => 'down' as const) : monitor.state;
    return state === 'up' ? 'up' : 'down';
  }

  /**
   * How the read models keep up with the log: the in-process runner (embedded
   * mode), or the projector processes as Kafka tells it (distributed mode; until
   * Kafka has answered once, undefined). Undefined when the log does not answer
   * (eventLog is down then).
   */
  private async projectionHealth(): Promise<ProjectionHealth | undefined> {
    const status = this.progress.status;
    if (status === undefined) return undefined;
    try {
      const head = await this.eventStore.headPosition();
      const [pending] = head > status.position ? await this.eventStore.readAll({ after: status.position, maxCount: 1 }) : [];
      const health = classifyProjection(
        { ...status, head, oldestPendingAt: pending ? new Date(pending.recordedAt) : undefined, now: new Date() },
        this.config.projectionLag,
      );
      // A public route: the reason, not a dump of whatever the error carried.
      return health.lastError ? { ...health, lastError: { ...health.lastError, message: health.lastError.message.slice(0, 200) } } : health;
    } catch {
      return undefined;
    }
  }

  @Get('metrics')
  @Authenticated()
  @ApiExcludeEndpoint()
  @Header('content-type', 'text/plain; version=0.0.4')
  async metricsText() {
    const head = await this.eventStore.headPosition();
    this.metrics.setPositions(head, this.progress.position);
    this.metrics.setPlaybookRunner(head, this.runner.running ? { position: this.runner.position, ...this.runner.storeBacklog } : undefined);
    this.metrics.setAnalyticsAhead(this.warmer.stats);
    this.metrics.setThreadHeaps(this.threads.threadHeaps());
    this.metrics.setModelFitJobs(this.fitter?.load);
    return this.metrics.registry.metrics();
  }
}

/**
 * `unavailable` (503) when this instance cannot serve: the log or the read models do not answer, or
 * (embedded mode) its own projections have stalled or stopped. `degraded` (200) when it serves but
 * something is behind: the broker is down (writes go on, the log is the source of truth; reads are
 * stale and `?consistentWith=` waits) or the projections lag — and in distributed mode also when they
 * stall, as the projectors are other processes: taking every API out of rotation would stop writes
 * that work. `ok` (200) otherwise.
 */
function readiness(checks: { eventLog: string; readModels: string; projections: string; broker?: string }, distributed: boolean): 'ok' | 'degraded' | 'unavailable' {
  if (checks.eventLog !== 'up' || checks.readModels !== 'up' || checks.projections === 'down') return 'unavailable';
  if (checks.projections === 'stalled' && !distributed) return 'unavailable';
  return Object.values(checks).every((c) => c === 'up') ? 'ok' : 'degraded';
}

async function probe(limitMs: number, check: () => Promise<unknown>): Promise<'up' | 'down'> {
  try {
    await withTimeLimit(limitMs, check, 'readiness probe');
    return 'up';
  } catch {
    return 'down';
  }
}
