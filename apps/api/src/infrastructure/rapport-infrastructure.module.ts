// Wires the ports to adapters by configuration and owns their lifecycle: the
// projection runner starts with the app and the stores close only after the
// HTTP server has finished its in-flight requests.
import { DynamicModule, Global, Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AnalyticsService, AuditService, CustomerCommands, ErasureSweeper, PersonalDataErasure, ProjectionRunner } from '@rapport/application';
import type { RapportConfig, StructuredLogger } from '@rapport/config';
import { PersonalDataVault, SealingEventStore, type EventStore, type KeyStore } from '@rapport/event-store';
import type { ReadStore } from '@rapport/read-store';
import { openEmbeddedStores, systemClock, uuidGenerator } from '@rapport/wiring';
import { DistributedReadProgress, openDistributedStores } from './distributed-stores';
import { EVENT_STORE, RAPPORT_CONFIG, READ_STORE, SEALING_EVENT_STORE } from './tokens';

interface Stores {
  /** The bare log: audit, export and verification read it as recorded. */
  readonly eventStore: EventStore;
  readonly readStore: ReadStore;
  readonly keyStore: KeyStore;
}

@Injectable()
class StoreLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Stores');

  constructor(
    @Inject(SEALING_EVENT_STORE) private readonly eventStore: SealingEventStore,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    private readonly runner: ProjectionRunner,
    private readonly erasures: ErasureSweeper,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.runner.start();
    // Erasures a crash or a failing key store left pending are finished now and every RAPPORT_ERASURE_SWEEP_MS.
    await this.erasures.start();
    if (this.runner instanceof DistributedReadProgress) this.logger.log('distributed mode: read models are maintained by the projector processes');
    else this.logger.log(`projections following the log from position ${this.runner.position}`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.erasures.stop();
    await this.runner.stop();
    await this.readStore.close();
    // the log and the key store
    await this.eventStore.close();
    this.logger.log('stores closed');
  }
}

@Global()
@Module({})
export class RapportInfrastructureModule {
  static forConfig(config: RapportConfig): DynamicModule {
    const distributed = config.mode === 'distributed';
    // Embedded: SQLite log and read models, projections in-process. Distributed:
    // the log (EventStoreDB or the SQLite file) and MongoDB; projections run in
    // the projector processes and the runner token only reports their progress.
    const stores = async (): Promise<Stores> => (distributed ? openDistributedStores(config) : openEmbeddedStores(config));
    return {
      module: RapportInfrastructureModule,
      providers: [
        { provide: RAPPORT_CONFIG, useValue: config },
        { provide: 'STORES', useFactory: stores },
        { provide: EVENT_STORE, useFactory: (s: Stores) => s.eventStore, inject: ['STORES'] },
        { provide: READ_STORE, useFactory: (s: Stores) => s.readStore, inject: ['STORES'] },
        { provide: PersonalDataVault, useFactory: (s: Stores) => new PersonalDataVault(s.keyStore), inject: ['STORES'] },
        // Writes and projections see personal fields opened; the log holds them sealed.
        {
          provide: SEALING_EVENT_STORE,
          useFactory: (store: EventStore, vault: PersonalDataVault) => new SealingEventStore(store, vault),
          inject: [EVENT_STORE, PersonalDataVault],
        },
        {
          provide: CustomerCommands,
          useFactory: (store: EventStore) => new CustomerCommands(store, systemClock, uuidGenerator),
          inject: [SEALING_EVENT_STORE],
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
          provide: ProjectionRunner,
          useFactory: (store: EventStore, readStore: ReadStore) => {
            const logger = new Logger('Projections');
            if (distributed) {
              return DistributedReadProgress.forConfig(config, store, readStore, (error) =>
                logger.warn(`Kafka not answering; ?consistentWith= reads will wait: ${error instanceof Error ? error.message : String(error)}`),
              );
            }
            return new ProjectionRunner(store, readStore, {
              logger: structuredLogger(logger),
            });
          },
          inject: [SEALING_EVENT_STORE, READ_STORE],
        },
        {
          provide: AuditService,
          useFactory: (store: EventStore, vault: PersonalDataVault) => new AuditService(store, vault),
          inject: [EVENT_STORE, PersonalDataVault],
        },
        { provide: AnalyticsService, useFactory: (readStore: ReadStore) => new AnalyticsService(readStore), inject: [READ_STORE] },
        StoreLifecycle,
      ],
      exports: [
        RAPPORT_CONFIG,
        EVENT_STORE,
        READ_STORE,
        PersonalDataVault,
        CustomerCommands,
        PersonalDataErasure,
        ProjectionRunner,
        AuditService,
        AnalyticsService,
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
