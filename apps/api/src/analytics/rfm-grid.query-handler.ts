// The RFM grid and one cell's customers, from the analytics service's RFM
// result (cached per asOf and currency), aggregated on the server.
import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { RfmScore } from '@rapport/analytics';
import { AnalyticsService } from '@rapport/application';
import { rfmCellCustomers, rfmGrid, type RfmCellCursor, type RfmCellPage, type RfmGrid } from './rfm-grid.aggregate';

export class RfmGridQuery extends Query<RfmGrid> {
  constructor(
    readonly asOf: string,
    readonly currency: string,
  ) {
    super();
  }
}

export class RfmCellCustomersQuery extends Query<RfmCellPage> {
  constructor(
    readonly asOf: string,
    readonly currency: string,
    readonly r: RfmScore,
    readonly fm: RfmScore,
    readonly limit: number,
    readonly after?: RfmCellCursor,
  ) {
    super();
  }
}

@QueryHandler(RfmGridQuery)
export class RfmGridQueryHandler implements IQueryHandler<RfmGridQuery> {
  constructor(@Inject(AnalyticsService) private readonly analytics: AnalyticsService) {}

  async execute({ asOf, currency }: RfmGridQuery): Promise<RfmGrid> {
    return rfmGrid(await this.analytics.rfm(asOf, currency));
  }
}

@QueryHandler(RfmCellCustomersQuery)
export class RfmCellCustomersQueryHandler implements IQueryHandler<RfmCellCustomersQuery> {
  constructor(@Inject(AnalyticsService) private readonly analytics: AnalyticsService) {}

  async execute({ asOf, currency, r, fm, limit, after }: RfmCellCustomersQuery): Promise<RfmCellPage> {
    return rfmCellCustomers(await this.analytics.rfm(asOf, currency), r, fm, limit, after);
  }
}
