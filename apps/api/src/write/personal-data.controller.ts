import { Controller, Delete, HttpCode, Param } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { ErasureOutcome } from '@rapport/application';
import { assertCustomerId } from '../http/customer-id';
import { Roles } from '../auth/access.decorators';
import { Actor } from '../auth/principal';
import { ErasePersonalDataCommand } from './erase-personal-data.command';
import { rejection, writtenBody } from './outcome.mapper';

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
      'Idempotent: asking again with nothing personal recorded since answers duplicate: true.',
  })
  @ApiParam({ name: 'customerId', description: '1–64 characters of A-Z a-z 0-9 _ . : -' })
  @ApiResponse({ status: 200, description: 'Erased (or already erased): the erasure event and the keys destroyed' })
  @ApiResponse({ status: 404, description: 'No events recorded for this customer (UNKNOWN_CUSTOMER)' })
  async erase(@Param('customerId') customerId: string, @Actor() actor: string) {
    assertCustomerId(customerId);
    const outcome: ErasureOutcome = await this.commandBus.execute(new ErasePersonalDataCommand(customerId, actor));
    if (outcome.status === 'rejected') throw rejection(outcome);
    const { duplicate, revision, events, consistencyToken } = writtenBody(customerId, outcome);
    return { customerId, erased: true, duplicate, revision, keysDestroyed: outcome.keysDestroyed ?? 0, events, consistencyToken };
  }
}
