import { Module } from '@nestjs/common';
import { AnalyticsModelsController } from './analytics-models.controller';
import { PurchaseModelQueryHandler } from './analytics-models.query-handler';

/** The purchase models beside BG/NBD: Pareto/NBD, MBG/NBD, holdout validation and their ranking. */
@Module({
  controllers: [AnalyticsModelsController],
  providers: [PurchaseModelQueryHandler],
})
export class AnalyticsModelsModule {}
