// Wires the ports to adapters by configuration and owns their lifecycle: the
// log subscription starts with the app and the stores close only after the
// HTTP server has finished its in-flight requests.
import { DynamicModule, Global, Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import {
  ActionAcknowledgement,
  AnalyticsFactsReader,
  AnalyticsService,
  AnalyticsWarmer,
  AuditService,
  CustomerCommands,
  CustomerReadModels,
  ErasureSweeper,
  LogSubscription,
  PersonalDataErasure,
  PlaybookCatalogue,
  PlaybookResultsService,
  PlaybookRunner,
  PlaybookSimulator,
  ProjectionHandler,
  ReadModelSignalSource,
  ReadProgress,
  WebhookDispatcher,
  fetchWebhookTransport,
} from '@rapport/application';
import { ConfigError, type RapportConfig, type StructuredLogger } from '@rapport/config';
import type { DocumentStore } from '@rapport/document-store';
import { PersonalDataVault, SealingEventStore, type EventStore, type KeyStore, type SnapshotStore } from '@rapport/event-store';
import { SqliteEventStore, SqliteSnapshotStore } from '@rapport/event-store-sqlite';
import { durationMs } from '@rapport/playbooks';
import {
  embeddedPaths,
  loadWebhookEndpoints,
  openDistributedPlaybookStores,
  openEmbeddedPlaybookStores,
  openEmbeddedStores,
  ProjectionWorker,
  systemClock,
  uuidGenerator,
  WorkerModelFitter,
  type PlaybookStores,
  type ThreadHeapSource,
} from '@rapport/wiring';
import { DependencyHealth } from './dependency-health';
import { DistributedReadProgress, openDistributedStores } from './distributed-stores';
import { EVENT_STORE, MODEL_FITTER, PLAYBOOK_STORES, RAPPORT_CONFIG, READ_MODELS, SEALING_EVENT_STORE, SNAPSHOT_STORE, THREAD_HEAPS } from './tokens';

interface Stores {
  /** The bare log: audit, export and verification read it as recorded. */
  readonly eventStore: EventStore;
  /** Where the read models are kept. */
  readonly documentStore: DocumentStore;
  readonly keyStore: KeyStore;
}

/**
 * What a process built on these stores runs: the API (projections or their
 * progress, the erasure sweeper, and the playbook runner unless
 * RAPPORT_PLAYBOOK_RUNNER=separate), or the playbook-runner role (the runner
 * and the webhook sender alone).
 */
export type ProcessRole = 'api' | 'playbook-runner';
const PROCESS_ROLE = Symbol('PROCESS_ROLE');

@Injectable()
class StoreLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Stores');
  private readonly runsProjections: boolean;
  private readonly runsPlaybooks: boolean;
  private readonly warmsAnalytics: boolean;

  constructor(
    @Inject(PROCESS_ROLE) role: ProcessRole,
    @Inject(RAPPORT_CONFIG) config: RapportConfig,
    @Inject(SEALING_EVENT_STORE) private readonly eventStore: SealingEventStore,
    @Inject(SNAPSHOT_STORE) private readonly snapshots: SnapshotStore,
    @Inject(READ_MODELS) private readonly readModels: CustomerReadModels,
    private readonly progress: ReadProgress,
    private readonly erasures: ErasureSweeper,
    private readonly runner: PlaybookRunner,
    private readonly webhooks: WebhookDispatcher,
    @Inject(PLAYBOOK_STORES) private readonly playbookStores: PlaybookStores,
    private readonly analytics: AnalyticsService,
    private readonly warmer: AnalyticsWarmer,
  ) {
    this.runsProjections = role === 'api';
    this.warmsAnalytics = role === 'api' && config.analyticsCompute.warmup;
    this.runsPlaybooks = role === 'playbook-runner' || config.playbooks.runner === 'api';
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.runsProjections) {
      await this.progress.start();
      // Erasures a crash or a failing key store left pending are finished now and every RAPPORT_ERASURE_SWEEP_MS.
      await this.erasures.start();
      if (this.progress instanceof DistributedReadProgress) this.logger.log('distributed mode: read models are maintained by the projector processes');
      else if (this.progress instanceof ProjectionWorker) this.logger.log(`projections following the log from position ${this.progress.position}, on a worker thread`);
      else this.logger.log(`projections following the log from position ${this.progress.position}`);
    }
    if (this.runsPlaybooks) {
      await this.runner.start();
      await this.webhooks.start();
      this.logger.log(`playbook runner following the log from position ${this.runner.position}`);
    } else {
      this.logger.log('playbooks: the runner runs in the playbook-runner role (RAPPORT_PLAYBOOK_RUNNER=separate)');
    }
    if (this.warmsAnalytics) this.warmer.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.warmer.stop();
    await this.analytics.close();
    if (this.runsPlaybooks) {
      await this.webhooks.stop();
      await this.runner.stop();
    }
    if (this.runsProjections) {
      await this.erasures.stop();
      await this.progress.stop();
    }
    await this.readModels.close();
    // the log and the key store, and the snapshots beside them
    await Promise.all([this.eventStore.close(), this.snapshots.close()]);
    await Promise.all([this.playbookStores.playbookLog.close(), this.playbookStores.runnerStore.close()]);
    this.logger.log('stores closed');
  }
}

@Global()
@Module({})
export class RapportInfrastructureModule {
  static forConfig(config: RapportConfig, role: ProcessRole = 'api'): DynamicModule {
    const distributed = config.mode === 'distributed';
    // Embedded: SQLite log and read models, projections in-process. Distributed:
    // the log (EventStoreDB or the SQLite file) and MongoDB; projections run in
    // the projector processes and the ReadProgress token only reports their progress.
    const stores = async (): Promise<Stores> => (distributed ? openDistributedStores(config) : openEmbeddedStores(config));
    return {
      module: RapportInfrastructureModule,
      providers: [
        { provide: RAPPORT_CONFIG, useValue: config },
        { provide: PROCESS_ROLE, useValue: role },
        { provide: 'STORES', useFactory: stores },
        { provide: EVENT_STORE, useFactory: (s: Stores) => s.eventStore, inject: ['STORES'] },
        { provide: READ_MODELS, useFactory: (s: Stores) => new CustomerReadModels(s.documentStore), inject: ['STORES'] },
        { provide: PersonalDataVault, useFactory: (s: Stores) => new PersonalDataVault(s.keyStore), inject: ['STORES'] },
        // Writes and projections see personal fields opened; the log holds them sealed.
        {
          provide: SEALING_EVENT_STORE,
          useFactory: (store: EventStore, vault: PersonalDataVault) => new SealingEventStore(store, vault),
          inject: [EVENT_STORE, PersonalDataVault],
        },
        // A file of this process's data directory in either mode: a cache any log can check (docs/architecture.md).
        { provide: SNAPSHOT_STORE, useFactory: () => SqliteSnapshotStore.open(embeddedPaths(config).snapshots) },
        {
          provide: CustomerCommands,
          useFactory: (store: EventStore, snapshots: SnapshotStore) => {
            const logger = new Logger('Snapshots');
            return new CustomerCommands(store, systemClock, uuidGenerator, {
              snapshots,
              onSnapshotError: (error, customerId) =>
                logger.warn({ msg: 'snapshot not read or kept: the stream is folded from the log', customerId, error: error instanceof Error ? error.message : String(error) }),
            });
          },
          inject: [SEALING_EVENT_STORE, SNAPSHOT_STORE],
        },
        {
          provide: PersonalDataErasure,
          useFactory: (commands: CustomerCommands, vault: PersonalDataVault) => {
            const logger = new Logger('Erasure');
            return new PersonalDataErasure(commands, vault, systemClock, {
              onPending: (customerId, revision, error) =>
                logger.warn({ msg: 'erasure recorded, keys not destroyed yet: pending', customerId, revision, error: error instanceof Error ? error.message : String(error) }),
            });
          },
          inject: [CustomerCommands, PersonalDataVault],
        },
        {
          provide: ErasureSweeper,
          useFactory: (store: EventStore, vault: PersonalDataVault) => {
            const logger = new Logger('Erasure');
            return new ErasureSweeper(store, vault.keys, {
              intervalMs: config.erasureSweepMs,
              logger: structuredLogger(logger),
            });
          },
          inject: [EVENT_STORE, PersonalDataVault],
        },
        {
          provide: ReadProgress,
          useFactory: (store: EventStore, stores: Stores) => {
            const logger = new Logger('Projections');
            if (distributed) {
              // DependencyHealth says once that Kafka is away (and once that it is back); each failed poll is not news.
              return DistributedReadProgress.forConfig(config, (error) =>
                logger.debug(`Kafka not answering; ?consistentWith= reads will wait: ${error instanceof Error ? error.message : String(error)}`),
              );
            }
            const { documentStore, eventStore } = stores;
            if (config.projectionThread === 'worker' && eventStore instanceof SqliteEventStore) {
              return new ProjectionWorker({ dataDir: config.dataDir, onAppend: (listener) => eventStore.onAppend(listener), logger: structuredLogger(logger) });
            }
            return new LogSubscription(store, new ProjectionHandler(documentStore), documentStore, { logger: structuredLogger(logger) });
          },
          inject: [SEALING_EVENT_STORE, 'STORES'],
        },
        {
          provide: AuditService,
          useFactory: (store: EventStore, vault: PersonalDataVault) => new AuditService(store, vault),
          inject: [EVENT_STORE, PersonalDataVault],
        },
        {
          provide: MODEL_FITTER,
          useFactory: () => (config.analyticsCompute.fitWorkers > 0 ? new WorkerModelFitter(config.analyticsCompute.fitWorkers) : undefined),
        },
        {
          provide: AnalyticsService,
          // The service closes its fitter.
          useFactory: (readModels: CustomerReadModels, fitter: WorkerModelFitter | undefined) => new AnalyticsService(readModels, fitter ? { fitter } : {}),
          inject: [READ_MODELS, MODEL_FITTER],
        },
        {
          provide: THREAD_HEAPS,
          useFactory: (progress: ReadProgress, fitter: WorkerModelFitter | undefined): ThreadHeapSource => ({
            threadHeaps: () => [...(progress instanceof ProjectionWorker ? progress.threadHeaps() : []), ...(fitter?.threadHeaps() ?? [])],
          }),
          inject: [ReadProgress, MODEL_FITTER],
        },
        {
          provide: AnalyticsWarmer,
          useFactory: (analytics: AnalyticsService, readModels: CustomerReadModels) =>
            new AnalyticsWarmer(analytics, readModels, {
              currency: config.reportingCurrency,
              predictionModel: config.purchaseModel,
              logger: structuredLogger(new Logger('Analytics')),
            }),
          inject: [AnalyticsService, READ_MODELS],
        },
        {
          provide: PLAYBOOK_STORES,
          useFactory: async (): Promise<PlaybookStores> => (distributed ? openDistributedPlaybookStores(config) : openEmbeddedPlaybookStores(config)),
        },
        {
          provide: PlaybookCatalogue,
          useFactory: (stores: PlaybookStores) => new PlaybookCatalogue(stores.playbookLog, systemClock, uuidGenerator),
          inject: [PLAYBOOK_STORES],
        },
        {
          provide: ActionAcknowledgement,
          // The bare log finds the action (its decisions hold no personal data); the record goes through the commands.
          useFactory: (log: EventStore, commands: CustomerCommands) => new ActionAcknowledgement(log, commands, systemClock),
          inject: [EVENT_STORE, CustomerCommands],
        },
        {
          provide: WebhookDispatcher,
          useFactory: (log: EventStore, acknowledgements: ActionAcknowledgement, stores: PlaybookStores) => {
            const { webhooksFile, webhookRetryMs } = config.playbooks;
            return new WebhookDispatcher(log, acknowledgements, stores.runnerStore, fetchWebhookTransport, systemClock, {
              endpoints: webhooksFile === undefined ? [] : loadWebhookEndpoints(webhooksFile),
              retryDelaysMs: webhookRetryMs,
              logger: structuredLogger(new Logger('Webhooks')),
            });
          },
          inject: [EVENT_STORE, ActionAcknowledgement, PLAYBOOK_STORES],
        },
        {
          provide: PlaybookResultsService,
          useFactory: (readModels: CustomerReadModels, catalogue: PlaybookCatalogue) => new PlaybookResultsService(readModels, catalogue),
          inject: [READ_MODELS, PlaybookCatalogue],
        },
        {
          provide: PlaybookSimulator,
          useFactory: (log: EventStore, analytics: AnalyticsService) => {
            const { consentDefault, contactCap } = config.playbooks;
            return new PlaybookSimulator(log, analytics, {
              consentDefault,
              contactCap: { count: contactCap.count, periodMs: durationMs(contactCap.period) ?? 7 * 86_400_000 },
              currency: config.reportingCurrency,
            });
          },
          inject: [EVENT_STORE, AnalyticsService],
        },
        {
          provide: PlaybookRunner,
          useFactory: (log: EventStore, commands: CustomerCommands, catalogue: PlaybookCatalogue, stores: PlaybookStores, analytics: AnalyticsService, readModels: CustomerReadModels) => {
            const { consentDefault, contactCap, signalEvery } = config.playbooks;
            const periodMs = durationMs(contactCap.period);
            if (periodMs === undefined) throw new ConfigError(`RAPPORT_CONTACT_CAP: ${contactCap.period} is not a duration in weeks, days, hours, minutes or seconds`);
            const signalEveryMs = durationMs(signalEvery);
            if (signalEveryMs === undefined || signalEveryMs < 60_000) throw new ConfigError(`RAPPORT_SIGNAL_EVERY: ${signalEvery} is not a duration of at least a minute (e.g. PT1H)`);
            const logger = structuredLogger(new Logger('Playbooks'));
            // The bare log: conditions never read personal data, so the runner never opens it.
            return new PlaybookRunner(log, commands, catalogue, stores.runnerStore, systemClock, {
              consentDefault,
              contactCap: { count: contactCap.count, periodMs },
              analytics: new AnalyticsFactsReader(analytics, config.reportingCurrency, systemClock),
              signals: new ReadModelSignalSource(readModels, analytics, (error) => logger.info('p_alive_below signals hold for no one yet', { reason: error.message })),
              signalEveryMs,
              logger,
            });
          },
          inject: [EVENT_STORE, CustomerCommands, PlaybookCatalogue, PLAYBOOK_STORES, AnalyticsService, READ_MODELS],
        },
        StoreLifecycle,
        {
          provide: DependencyHealth,
          useFactory: (readModels: CustomerReadModels) => new DependencyHealth(config, readModels, { watchKafka: role === 'api' }),
          inject: [READ_MODELS],
        },
      ],
      exports: [
        RAPPORT_CONFIG,
        DependencyHealth,
        EVENT_STORE,
        READ_MODELS,
        PersonalDataVault,
        CustomerCommands,
        PersonalDataErasure,
        ReadProgress,
        AuditService,
        AnalyticsService,
        AnalyticsWarmer,
        THREAD_HEAPS,
        MODEL_FITTER,
        PlaybookCatalogue,
        PlaybookRunner,
        ActionAcknowledgement,
        PlaybookResultsService,
        PlaybookSimulator,
      ],
    };
  }
}

/** The Nest logger as the structured logger the application's long-running parts take. */
function structuredLogger(logger: Logger): StructuredLogger {
  return {
    info: (msg, fields) => logger.log({ msg, ...fields }),
    warn: (msg, fields) => logger.warn({ msg, ...fields }),
    error: (msg, fields) => logger.error({ msg, ...fields }),
  };
}
