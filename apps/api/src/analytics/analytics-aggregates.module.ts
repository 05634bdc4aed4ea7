import { Module } from '@nestjs/common';
import { AnalyticsAggregatesController } from './analytics-aggregates.controller';
import { RfmCellCustomersQueryHandler, RfmGridQueryHandler } from './rfm-grid.query-handler';
import { ValueDistributionQueryHandler } from './value-distribution.query-handler';

/** The aggregates the workspace draws: RFM grid, a cell's customers, CLV histogram, P(alive) by value. */
@Module({
  controllers: [AnalyticsAggregatesController],
  providers: [RfmGridQueryHandler, RfmCellCustomersQueryHandler, ValueDistributionQueryHandler],
})
export class AnalyticsAggregatesModule {}
