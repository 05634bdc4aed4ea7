import { Controller, Delete, HttpCode, Param, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { assertCustomerId } from '../http/customer-id';
import { Roles } from '../auth/access.decorators';
import { Actor } from '../auth/principal';
import { ErasePersonalDataCommand } from './erase-personal-data.command';
import { rejection, writtenBody } from './outcome.mapper';
import { ApiProblems } from '../http/problem.openapi';
import { ErasureDto } from './write.response';

@ApiTags('write')
@Roles('admin')
@Controller('v1/customers/:customerId/personal-data')
export class PersonalDataController {
  constructor(private readonly commandBus: CommandBus) {}

  @Delete()
  @HttpCode(200)
  @ApiOperation({
    summary: "Erase the customer's personal data (right to be forgotten)",
    description:
      'Records personal_data_erased and destroys the keys that sealed the name, email, phone, attributes, ' +
      'complaint descriptions and churn notes. Orders, stages and analytics remain; the hash chain still verifies. ' +
      'Idempotent: asking again with nothing personal recorded since answers duplicate: true. ' +
      'If the keys cannot be destroyed once the erasure is recorded, the answer is 202 ERASURE_PENDING: ' +
      'Rapport destroys them by itself (at start and every RAPPORT_ERASURE_SWEEP_MS), and asking again tries at once.',
  })
  @ApiParam({ name: 'customerId', description: '1–64 characters of A-Z a-z 0-9 _ . : -' })
  @ApiOkResponse({ type: ErasureDto, description: 'Erased (or already erased): the erasure event and the keys destroyed' })
  @ApiAcceptedResponse({
    type: ErasureDto,
    description: 'ERASURE_PENDING: recorded, but the keys are not destroyed yet; Location names the 360, whose erasure.status turns complete',
  })
  @ApiProblems(
    { 400: ['VALIDATION_FAILED'], 404: ['CUSTOMER_NOT_FOUND'], 503: ['CONCURRENCY_EXHAUSTED', 'DEPENDENCY_UNAVAILABLE'], 507: ['STORAGE_FULL'] },
    { 400: 'customerId is not 1–64 characters of A-Z a-z 0-9 _ . : -', 404: 'the log holds no events of the customer', 507: 'the disk is too full to record the erasure: nothing recorded, no key destroyed' },
  )
  async erase(@Param('customerId') customerId: string, @Actor() actor: string, @Res({ passthrough: true }) reply: FastifyReply) {
    assertCustomerId(customerId);
    const outcome = await this.commandBus.execute(new ErasePersonalDataCommand(customerId, actor));
    if (outcome.status === 'rejected') throw rejection(outcome);
    const { duplicate, revision, events, consistencyToken } = writtenBody(customerId, outcome);
    if (outcome.pending) {
      // Not a failure to retry blindly: the erasure is recorded and will finish without the client.
      reply.status(202).header('location', `/v1/customers/${encodeURIComponent(customerId)}`);
      return {
        customerId,
        erased: false,
        code: 'ERASURE_PENDING',
        detail:
          `personal_data_erased is recorded (revision ${revision}) but its keys could not be destroyed yet. ` +
          'Rapport destroys them by itself; the 360 shows erasure.status until it is complete. Asking again tries at once.',
        duplicate,
        revision,
        keysDestroyed: 0,
        events,
        consistencyToken,
      };
    }
    return { customerId, erased: true, duplicate, revision, keysDestroyed: outcome.keysDestroyed ?? 0, events, consistencyToken };
  }
}
