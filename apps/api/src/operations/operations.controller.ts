import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { classifyProjection, CustomerReadModels, READ_MODELS_CHECKPOINT, ReadProgress, type ProjectionHealth } from '@rapport/application';
import { withTimeLimit, type RapportConfig } from '@rapport/config';
import type { EventStore } from '@rapport/event-store';
import { Authenticated, Public } from '../auth/access.decorators';
import { EVENT_STORE, RAPPORT_CONFIG, READ_MODELS } from '../infrastructure/tokens';
import { MetricsService } from './metrics.service';

@ApiTags('operations')
@Controller()
export class OperationsController {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(READ_MODELS) private readonly readModels: CustomerReadModels,
    private readonly progress: ReadProgress,
    private readonly metrics: MetricsService,
    @Inject(RAPPORT_CONFIG) private readonly config: RapportConfig,
  ) {}

  @Get('health/live')
  @Public()
  @ApiOperation({ summary: 'The process is up' })
  live() {
    return { status: 'ok' };
  }

  @Get('health/ready')
  @Public()
  @ApiOperation({ summary: 'The log and read models answer and the projections keep up (up, lagging, stalled or down)' })
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    // Each probe has its own time limit, so a store that hangs reads as down instead of hanging the probe.
    const limit = this.config.readyProbeMs;
    const [projection, eventLog, readModels] = await Promise.all([
      withTimeLimit(limit, () => this.projectionHealth(), 'projection health').catch(() => undefined),
      probe(limit, () => this.eventStore.headPosition()),
      probe(limit, () => this.readModels.ping()),
    ]);
    const checks = { eventLog, readModels, projections: projection?.status ?? (this.progress.running ? 'up' : 'down') };
    const ready = Object.values(checks).every((c) => c === 'up');
    reply.status(ready ? 200 : 503);
    return { status: ready ? 'ok' : 'unavailable', checks, ...(projection ? { projections: { [READ_MODELS_CHECKPOINT]: projection } } : {}) };
  }

  /**
   * How the in-process runner keeps up with the log. Undefined in distributed
   * mode, where the projector processes project and report their own progress,
   * and when the log does not answer (eventLog is down then).
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
    this.metrics.logHead.set(await this.eventStore.headPosition());
    this.metrics.projectionPosition.set(this.progress.position);
    return this.metrics.registry.metrics();
  }
}

async function probe(limitMs: number, check: () => Promise<unknown>): Promise<'up' | 'down'> {
  try {
    await withTimeLimit(limitMs, check, 'readiness probe');
    return 'up';
  } catch {
    return 'down';
  }
}
