// `npm run projector -- [run]`: the projector process of distributed mode
// (Kafka → read models in MongoDB). Also the operator's commands for its
// dead-letter topic:
//   npm run projector -- parked                         list parked customers
//   npm run projector -- replay-dlq [customerId]        replay parked events in order, unpark
// See docs/distributed.md.
import { Command, CommanderError } from 'commander';
import pino from 'pino';
import { ConfigError, limitHeapGrowth, loadConfig, startWithRetries } from '@rapport/config';
import { MessagingSettingsError, messagingSettings } from '@rapport/messaging';
import { SERVICE_NAMES, startTracing } from '@rapport/observability';
import { openReplay, projectorLogger, startProjector, startProjectorMonitoring } from './projector.process';

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

const logger = pino({ name: 'projector', level: process.env.RAPPORT_LOG_LEVEL?.trim() || 'info' });

async function run(): Promise<number> {
  const config = loadConfig();
  limitHeapGrowth(config.heapGrowthPercent);
  const settings = messagingSettings();
  // Off unless configured (docs/observability.md): a process span per traced message.
  const tracing = await startTracing({ serviceName: SERVICE_NAMES.projector });
  try {
    return await consume(config, settings);
  } finally {
    await tracing?.shutdown().catch(() => undefined);
  }
}

async function consume(config: ReturnType<typeof loadConfig>, settings: ReturnType<typeof messagingSettings>): Promise<number> {
  const stopped = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info(`${signal}: committing the chunk in hand, then leaving the group`);
      stopped.abort();
    });
  }
  // /metrics first: it answers while Kafka or MongoDB do not, and before the consumer has joined.
  const monitoring = await startProjectorMonitoring(config, settings, logger);
  try {
    // Kafka or MongoDB not there yet is a reason to wait, not to exit (a wrong setting is).
    const running = await startWithRetries(() => startProjector(config, settings, logger, monitoring), {
      signal: stopped.signal,
      logger: projectorLogger(logger),
      what: 'projector',
      isFatal: (error) => error instanceof ConfigError,
    });
    if (!running) return EXIT_OK;
    if (!stopped.signal.aborted) await new Promise((resolve) => stopped.signal.addEventListener('abort', resolve, { once: true }));
    try {
      await running.stop();
      return EXIT_OK;
    } catch (error) {
      logger.error({ error: String(error) }, 'shutdown failed');
      return EXIT_FAILED;
    }
  } finally {
    await monitoring.stop();
  }
}

async function replay(customerId: string | undefined, options: { skipUnreadable?: boolean; json?: boolean }): Promise<number> {
  const { replayer, close } = await openReplay(loadConfig(), messagingSettings());
  try {
    const reports = await replayer.replay(customerId, { skipUnreadable: options.skipUnreadable === true });
    if (options.json) process.stdout.write(`${JSON.stringify(reports)}\n`);
    else if (reports.length === 0) process.stdout.write('no parked customers\n');
    else {
      for (const r of reports) {
        const detail = r.error ? ` — ${r.revision !== undefined ? `revision ${r.revision}: ` : ''}${r.error}` : '';
        process.stdout.write(`${r.customerId}: ${r.status} (${r.applied} event(s) applied${r.skipped ? `, ${r.skipped} unreadable skipped` : ''})${detail}\n`);
      }
    }
    return reports.every((r) => r.status === 'unparked' || (r.status === 'not_parked' && customerId === undefined)) ? EXIT_OK : EXIT_FAILED;
  } finally {
    await close();
  }
}

async function parked(options: { json?: boolean }): Promise<number> {
  const { parking, close } = await openReplay(loadConfig(), messagingSettings());
  try {
    const list = await parking.list();
    if (options.json) process.stdout.write(`${JSON.stringify(list)}\n`);
    else if (list.length === 0) process.stdout.write('no parked customers\n');
    else {
      for (const p of list) {
        const since = p.sinceRevision !== null ? ` since revision ${p.sinceRevision}` : '';
        process.stdout.write(`${p.customerId}: ${p.kind}${since}, ${p.deadLettered} dead letter(s), parked ${p.parkedAt} — ${p.reason}\n`);
      }
    }
    return EXIT_OK;
  } finally {
    await close();
  }
}

async function main(argv: readonly string[]): Promise<number> {
  let code = EXIT_OK;
  const program = new Command('projector')
    .description('Rapport projector: consumes the customer events topic into the MongoDB read models (distributed mode)')
    .exitOverride();
  program
    .command('run', { isDefault: true })
    .description('consume the topic and maintain the read models until SIGTERM')
    .action(async () => {
      code = await run();
    });
  program
    .command('replay-dlq [customerId]')
    .description('apply the dead letters of a parked customer (or of all) in revision order, then unpark it')
    .option('--skip-unreadable', 'drop dead letters that cannot be read at all instead of stopping at them')
    .option('--json', 'print the reports as JSON')
    .action(async (customerId: string | undefined, options: { skipUnreadable?: boolean; json?: boolean }) => {
      code = await replay(customerId, options);
    });
  program
    .command('parked')
    .description('list the parked customers')
    .option('--json', 'print the list as JSON')
    .action(async (options: { json?: boolean }) => {
      code = await parked(options);
    });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.code === 'commander.helpDisplayed' ? EXIT_OK : EXIT_USAGE;
    if (error instanceof ConfigError || error instanceof MessagingSettingsError) {
      process.stderr.write(`projector: configuration error: ${error.message}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    // Kafka and MongoDB clients may keep sockets a moment after close; do not wait for them.
    process.exit(code);
  },
  (error: unknown) => {
    logger.error({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }, 'projector failed');
    process.exit(EXIT_FAILED);
  },
);
