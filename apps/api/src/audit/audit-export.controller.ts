import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { exportEvents, renderExport } from '@rapport/application';
import { instantMs } from '@rapport/domain';
import { PersonalDataVault, type EventStore } from '@rapport/event-store';
import { Roles } from '../auth/access.decorators';
import { validationFailed } from '../http/problem';
import { EVENT_STORE } from '../infrastructure/tokens';
import { ExportDto } from './audit.dto';
import { ApiProblems } from '../http/problem.openapi';

const CONTENT_TYPE = { jsonl: 'application/x-ndjson; charset=utf-8', csv: 'text/csv; charset=utf-8' } as const;

@ApiTags('audit')
@Roles('auditor')
@Controller('v1/audit/export')
export class AuditExportController {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    private readonly vault: PersonalDataVault,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Every recorded event in log order, streamed as JSON lines or CSV; from/to bound recordedAt (inclusive)' })
  @ApiOkResponse({
    description: 'Streamed, with Content-Disposition: attachment. jsonl: one recorded event per line (as in the audit history, with stream, position and hash); csv: a header, then one row per event',
    content: {
      'application/x-ndjson': { schema: { type: 'string', description: 'JSON lines: one recorded event per line' } },
      'text/csv': { schema: { type: 'string', description: 'position, stream, customerId, revision, eventId, type, occurredAt, recordedAt, data, metadata, hash, personalData, schemaVersion' } },
    },
  })
  @ApiProblems({ 400: ['VALIDATION_FAILED'], 503: ['DEPENDENCY_UNAVAILABLE'] }, { 400: 'a bad format, from or to, or from after to' })
  export(@Query() query: ExportDto, @Res() reply: FastifyReply): void {
    const format = query.format ?? 'jsonl';
    const from = query.from !== undefined ? new Date(instantMs(query.from)) : undefined;
    const to = query.to !== undefined ? new Date(instantMs(query.to)) : undefined;
    if (from && to && from > to) throw validationFailed([{ field: 'from', message: 'from must not be after to' }]);
    const range = { ...(from ? { from } : {}), ...(to ? { to } : {}) };
    const body = Readable.from(renderExport(exportEvents(this.eventStore, range, undefined, this.vault), format));
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    void reply
      .header('content-type', CONTENT_TYPE[format])
      .header('content-disposition', `attachment; filename="rapport-audit-${stamp}.${format}"`)
      .send(body);
  }
}
