// `npm start`: Rapport embedded on 127.0.0.1:3000, data under ./data.
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { assertSafeToServe, ConfigError, loadConfig } from '@rapport/config';
import { createApp } from './app.factory';

async function main(): Promise<void> {
  const config = loadConfig();
  assertSafeToServe(config);
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  const logger = new Logger('Rapport');
  logger.log(`Rapport ${config.mode} listening on http://${config.host}:${config.port} (data: ${config.dataDir})`);
  logger.warn('running without credentials: loopback only, every caller is trusted (SPEC section 8)');
  logger.log(`API docs at http://${config.host}:${config.port}/docs`);

  // Graceful shutdown: stop accepting, finish in-flight requests, stop the
  // projections after their current batch, close the stores, exit 0.
  let closing = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (closing) return;
      closing = true;
      logger.log(`${signal}: finishing in-flight requests, then closing the stores`);
      app.close().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
          process.exit(1);
        },
      );
    });
  }
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? `configuration error: ${error.message}` : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
