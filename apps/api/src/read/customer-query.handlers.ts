import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { CustomerView, TimelineEntry } from '@rapport/projections';
import { InvalidCursorError, type Page, type ReadStore } from '@rapport/read-store';
import { ProblemException } from '../http/problem';
import { READ_STORE } from '../infrastructure/tokens';
import { GetCustomerQuery, GetTimelineQuery, ListCustomersQuery } from './customer.queries';

@QueryHandler(GetCustomerQuery)
export class GetCustomerHandler implements IQueryHandler<GetCustomerQuery, CustomerView | undefined> {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  execute({ customerId }: GetCustomerQuery): Promise<CustomerView | undefined> {
    return this.readStore.getCustomer(customerId);
  }
}

@QueryHandler(ListCustomersQuery)
export class ListCustomersHandler implements IQueryHandler<ListCustomersQuery, Page<CustomerView>> {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  execute({ query }: ListCustomersQuery): Promise<Page<CustomerView>> {
    return withCursor(() => this.readStore.listCustomers(query));
  }
}

@QueryHandler(GetTimelineQuery)
export class GetTimelineHandler implements IQueryHandler<GetTimelineQuery, Page<TimelineEntry>> {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  execute({ customerId, page }: GetTimelineQuery): Promise<Page<TimelineEntry>> {
    return withCursor(() => this.readStore.getTimeline(customerId, page));
  }
}

async function withCursor<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof InvalidCursorError) {
      throw new ProblemException(400, 'INVALID_CURSOR', 'Invalid cursor', error.message, [{ field: 'cursor', message: error.message }]);
    }
    throw error;
  }
}
