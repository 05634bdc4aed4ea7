import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ProjectionRunner } from '@rapport/application';
import type { EventStore } from '@rapport/event-store';
import type { ReadStore } from '@rapport/read-store';
import { Authenticated, Public } from '../auth/access.decorators';
import { EVENT_STORE, READ_STORE } from '../infrastructure/tokens';
import { MetricsService } from './metrics.service';

@ApiTags('operations')
@Controller()
export class OperationsController {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    private readonly runner: ProjectionRunner,
    private readonly metrics: MetricsService,
  ) {}

  @Get('health/live')
  @Public()
  @ApiOperation({ summary: 'The process is up' })
  live() {
    return { status: 'ok' };
  }

  @Get('health/ready')
  @Public()
  @ApiOperation({ summary: 'The log and read models answer and the projections run' })
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const checks = {
      eventLog: await probe(() => this.eventStore.headPosition()),
      readModels: await probe(() => this.readStore.getCheckpoint('customer-views')),
      projections: this.runner.running ? 'up' : 'down',
    };
    const ready = Object.values(checks).every((c) => c === 'up');
    reply.status(ready ? 200 : 503);
    return { status: ready ? 'ok' : 'unavailable', checks };
  }

  @Get('metrics')
  @Authenticated()
  @ApiExcludeEndpoint()
  @Header('content-type', 'text/plain; version=0.0.4')
  async metricsText() {
    this.metrics.logHead.set(await this.eventStore.headPosition());
    this.metrics.projectionPosition.set(this.runner.position);
    return this.metrics.registry.metrics();
  }
}

async function probe(check: () => Promise<unknown>): Promise<'up' | 'down'> {
  try {
    await check();
    return 'up';
  } catch {
    return 'down';
  }
}
