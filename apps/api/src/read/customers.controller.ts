import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { streamName } from '@rapport/domain';
import { ProblemException } from '../http/problem';
import { refusalProblem } from '../http/refusal.mapper';
import { Roles } from '../auth/access.decorators';
import { assertCustomerId } from '../http/customer-id';
import { ConsistencyDto, ListCustomersDto, PageDto } from './customer-read.dto';
import { GetCustomer360Query, GetTimelineQuery, ListCustomersQuery } from './customer.queries';
import { ReadConsistency } from './read-consistency.service';
import { ApiProblems } from '../http/problem.openapi';
import { ConsentEntryDto, Customer360Dto, CustomerListDto, SpendDto, TimelineDto } from './customer-360.response';

/** Every read model read: a bad query, a token to wait for, MongoDB in distributed mode. */
const READ_PROBLEMS = { 400: ['VALIDATION_FAILED', 'INVALID_CONSISTENCY_TOKEN'], 503: ['CONSISTENCY_TIMEOUT', 'DEPENDENCY_UNAVAILABLE'] } as const;

@ApiTags('customers')
@ApiExtraModels(SpendDto, ConsentEntryDto)
@Roles('analyst')
@Controller('v1/customers')
export class CustomersController {
  constructor(
    private readonly queryBus: QueryBus,
    private readonly consistency: ReadConsistency,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List customers, paged, by stage, segment or text' })
  @ApiOkResponse({ type: CustomerListDto, description: 'By customerId' })
  @ApiProblems({ ...READ_PROBLEMS, 400: [...READ_PROBLEMS[400], 'INVALID_CURSOR'] })
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
  @ApiOkResponse({ type: Customer360Dto })
  @ApiProblems({ ...READ_PROBLEMS, 404: ['CUSTOMER_NOT_FOUND'] }, { 404: 'no such customer in the read models' })
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
  @ApiOkResponse({ type: TimelineDto })
  @ApiProblems({ ...READ_PROBLEMS, 400: [...READ_PROBLEMS[400], 'INVALID_CURSOR'], 404: ['CUSTOMER_NOT_FOUND'] }, { 404: 'the customer has no entries (first page)' })
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
