// `npm run playbook-runner`: the playbook runner as a role of its own (SPEC
// section 10), for an API started with RAPPORT_PLAYBOOK_RUNNER=separate. It
// follows the log from the runner's checkpoint, fires due steps and signals,
// and sends webhooks, on the same stores as the API (in distributed mode the
// log, the key store, the read models and the runner store in MongoDB). It
// may run several times at once: every decision's eventId derives from its
// key and is appended with the stream's expected revision, so each is
// recorded once however many runners race to it.
import 'reflect-metadata';
import { DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger, LoggerModule } from 'nestjs-pino';
import { ConfigError, limitHeapGrowth, loadConfig, type RapportConfig } from '@rapport/config';
import { SERVICE_NAMES, startTracing } from '@rapport/observability';
import { closeOnSignals } from './close-on-signals';
import { RapportInfrastructureModule } from './infrastructure/rapport-infrastructure.module';

@Module({})
class PlaybookRunnerRoleModule {
  static forConfig(config: RapportConfig): DynamicModule {
    return {
      module: PlaybookRunnerRoleModule,
      imports: [LoggerModule.forRoot({ pinoHttp: { level: config.logLevel } }), RapportInfrastructureModule.forConfig(config, 'playbook-runner')],
    };
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  limitHeapGrowth(config.heapGrowthPercent);
  // Off unless configured (docs/observability.md).
  const tracing = await startTracing({ serviceName: SERVICE_NAMES.playbookRunner });
  const app = await NestFactory.createApplicationContext(PlaybookRunnerRoleModule.forConfig(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.get(Logger).log(`playbook runner (${config.mode}) started (data: ${config.dataDir})`);
  // The runner finishes the decision in hand; the next start resumes from its checkpoint.
  closeOnSignals(app, tracing, {
    announce: (signal) => app.get(Logger).log(`${signal}: finishing the decision in hand`),
    fail: (message) => process.stderr.write(`${message}\n`),
  });
}

main().catch((error: unknown) => {
  const configuration = error instanceof ConfigError;
  process.stderr.write(`${configuration ? `configuration error: ${error.message}` : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  // A configuration error would only fail again: the launcher stops on exit code 2.
  process.exit(configuration ? 2 : 1);
});
