import type { CustomerListQuery, TimelineQuery } from '@rapport/read-store';

export class GetCustomerQuery {
  constructor(readonly customerId: string) {}
}
export class ListCustomersQuery {
  constructor(readonly query: CustomerListQuery) {}
}
export class GetTimelineQuery {
  constructor(
    readonly customerId: string,
    readonly page: TimelineQuery,
  ) {}
}
