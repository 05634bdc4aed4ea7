// Wires the ports to adapters by configuration and owns their lifecycle: the
// projection runner starts with the app and the stores close only after the
// HTTP server has finished its in-flight requests.
import { DynamicModule, Global, Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AnalyticsService, AuditService, CustomerCommands, ProjectionRunner } from '@rapport/application';
import type { RapportConfig } from '@rapport/config';
import type { EventStore } from '@rapport/event-store';
import type { ReadStore } from '@rapport/read-store';
import { openEmbeddedStores, systemClock, uuidGenerator } from '@rapport/wiring';
import { DistributedReadProgress, openDistributedStores } from './distributed-stores';
import { EVENT_STORE, RAPPORT_CONFIG, READ_STORE } from './tokens';

interface Stores {
  readonly eventStore: EventStore;
  readonly readStore: ReadStore;
}

@Injectable()
class StoreLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Stores');

  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    private readonly runner: ProjectionRunner,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.runner.start();
    if (this.runner instanceof DistributedReadProgress) this.logger.log('distributed mode: read models are maintained by the projector processes');
    else this.logger.log(`projections following the log from position ${this.runner.position}`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runner.stop();
    await this.readStore.close();
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
        {
          provide: CustomerCommands,
          useFactory: (store: EventStore) => new CustomerCommands(store, systemClock, uuidGenerator),
          inject: [EVENT_STORE],
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
              logger: { info: (m, f) => logger.log({ msg: m, ...f }), error: (m, f) => logger.error({ msg: m, ...f }) },
            });
          },
          inject: [EVENT_STORE, READ_STORE],
        },
        { provide: AuditService, useFactory: (store: EventStore) => new AuditService(store), inject: [EVENT_STORE] },
        { provide: AnalyticsService, useFactory: (readStore: ReadStore) => new AnalyticsService(readStore), inject: [READ_STORE] },
        StoreLifecycle,
      ],
      exports: [RAPPORT_CONFIG, EVENT_STORE, READ_STORE, CustomerCommands, ProjectionRunner, AuditService, AnalyticsService],
    };
  }
}
