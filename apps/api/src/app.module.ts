import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { LoggerModule } from 'nestjs-pino';
import type { RapportConfig } from '@rapport/config';
import { AnalyticsController } from './analytics/analytics.controller';
import { AnalyticsAggregatesModule } from './analytics/analytics-aggregates.module';
import { AnalyticsModelsModule } from './analytics/analytics-models.module';
import { AnalyticsQueryHandler } from './analytics/analytics.query';
import { AuthModule } from './auth/auth.module';
import { Authenticator } from './auth/authenticator';
import { AuditController } from './audit/audit.controller';
import { AuditExportController } from './audit/audit-export.controller';
import { GetHistoryHandler, GetStateHandler, VerifyStreamHandler } from './audit/audit.queries';
import { RapportInfrastructureModule } from './infrastructure/rapport-infrastructure.module';
import { RateLimitModule } from './limits/rate-limit.module';
import { MetricsService } from './operations/metrics.service';
import { OperationsController } from './operations/operations.controller';
import { GetCustomer360Handler, GetTimelineHandler, ListCustomersHandler } from './read/customer-query.handlers';
import { CustomersController } from './read/customers.controller';
import { ReadConsistency } from './read/read-consistency.service';
import { CustomerEventsController } from './write/customer-events.controller';
import { EventsBatchController } from './write/events-batch.controller';
import { RecordBatchHandler } from './write/record-batch.handler';
import { RecordEventHandler } from './write/record-event.handler';
import { ErasePersonalDataHandler } from './write/erase-personal-data.handler';
import { PersonalDataController } from './write/personal-data.controller';
import { ActionsController } from './playbooks/actions.controller';
import {
  AcknowledgeActionHandler,
  GetPlaybookHandler,
  GetPlaybookResultsHandler,
  ListActionsHandler,
  ListEnrollmentsHandler,
  SimulatePlaybookHandler,
  ListPlaybooksHandler,
  PublishPlaybookHandler,
  SetPlaybookPausedHandler,
} from './playbooks/playbook.handlers';
import { PlaybooksController } from './playbooks/playbooks.controller';
import { WorkspaceModule } from './workspace/workspace.module';

@Module({})
export class AppModule {
  /** `authenticator`: built (and the start rule checked) before Nest starts; created here when absent. */
  static forConfig(config: RapportConfig, authenticator: Authenticator = Authenticator.create(config)): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CqrsModule.forRoot(),
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            // Health probes every few seconds would drown the request log.
            autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health') },
            redact: ['req.headers.authorization', 'req.headers["x-api-key"]'],
          },
        }),
        RapportInfrastructureModule.forConfig(config),
        AuthModule.forAuthenticator(authenticator),
        // After AuthModule: its guard runs first and names the credential the limit is keyed by.
        RateLimitModule.forConfig(config),
        AnalyticsAggregatesModule,
        AnalyticsModelsModule,
        WorkspaceModule.forAuthenticator(authenticator),
      ],
      controllers: [
        CustomerEventsController,
        EventsBatchController,
        PersonalDataController,
        CustomersController,
        AuditController,
        AuditExportController,
        AnalyticsController,
        PlaybooksController,
        ActionsController,
        OperationsController,
      ],
      providers: [
        MetricsService,
        ReadConsistency,
        RecordEventHandler,
        RecordBatchHandler,
        ErasePersonalDataHandler,
        GetCustomer360Handler,
        ListCustomersHandler,
        GetTimelineHandler,
        GetHistoryHandler,
        GetStateHandler,
        VerifyStreamHandler,
        AnalyticsQueryHandler,
        PublishPlaybookHandler,
        SetPlaybookPausedHandler,
        GetPlaybookHandler,
        ListPlaybooksHandler,
        ListActionsHandler,
        GetPlaybookResultsHandler,
        ListEnrollmentsHandler,
        SimulatePlaybookHandler,
        AcknowledgeActionHandler,
      ],
    };
  }
}
