import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { streamName } from '@rapport/domain';
import { ProblemException } from '../http/problem';
import { refusalProblem } from '../http/refusal.mapper';
import { Roles } from '../auth/access.decorators';
import { assertCustomerId } from '../http/customer-id';
import { ConsistencyDto, ListCustomersDto, PageDto } from './customer-read.dto';
import { GetCustomer360Query, GetTimelineQuery, ListCustomersQuery } from './customer.queries';
import { ReadConsistency } from './read-consistency.service';

@ApiTags('customers')
@Roles('analyst')
@Controller('v1/customers')
export class CustomersController {
  constructor(
    private readonly queryBus: QueryBus,
    private readonly consistency: ReadConsistency,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List customers, paged, by stage, segment or text' })
  async list(@Query() query: ListCustomersDto) {
    await this.consistency.ensure(query.consistentWith);
    const page = await this.queryBus.execute(
      new ListCustomersQuery({
        limit: query.limit ?? 50,
        ...(query.stage !== undefined ? { stage: query.stage } : {}),
        ...(query.segment !== undefined ? { segment: query.segment } : {}),
        ...(query.q !== undefined ? { q: query.q } : {}),
        ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
      }),
    );
    if ('refused' in page) throw refusalProblem(page);
    return { items: page.items.map((view) => ({ ...view, stream: streamName(view.customerId) })), nextCursor: page.nextCursor };
  }

  @Get(':customerId')
  @ApiOperation({ summary: 'The customer 360' })
  @ApiResponse({ status: 404, description: 'No such customer (problem+json)' })
  async get(@Param('customerId') customerId: string, @Query() query: ConsistencyDto) {
    assertCustomerId(customerId);
    await this.consistency.ensure(query.consistentWith);
    const customer = await this.queryBus.execute(new GetCustomer360Query(customerId));
    if (!customer) throw notFound(customerId);
    const { view, rfm, predictions, predictionsUnavailable } = customer;
    return { ...view, stream: streamName(view.customerId), rfm, predictions, ...(predictionsUnavailable !== undefined ? { predictionsUnavailable } : {}) };
  }

  @Get(':customerId/timeline')
  @ApiOperation({ summary: "A customer's events in business-time order (occurredAt)" })
  async timeline(@Param('customerId') customerId: string, @Query() query: PageDto) {
    assertCustomerId(customerId);
    await this.consistency.ensure(query.consistentWith);
    const page = await this.queryBus.execute(
      new GetTimelineQuery(customerId, { limit: query.limit ?? 100, ...(query.cursor !== undefined ? { cursor: query.cursor } : {}) }),
    );
    if ('refused' in page) throw refusalProblem(page);
    if (page.items.length === 0 && query.cursor === undefined) throw notFound(customerId);
    return {
      customerId,
      items: page.items.map(({ occurredAtMs: _ms, customerId: _id, ...entry }) => entry),
      nextCursor: page.nextCursor,
    };
  }
}

function notFound(customerId: string): ProblemException {
  return new ProblemException(404, 'CUSTOMER_NOT_FOUND', 'Customer not found', `No customer ${customerId} in the read models.`);
}
