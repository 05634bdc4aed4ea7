// `npm start`: Rapport embedded on 127.0.0.1:3000, data under ./data.
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig } from '@rapport/config';
import { createApp } from './app.factory';
import { AUTHENTICATOR } from './auth/auth.guard';
import type { Authenticator } from './auth/authenticator';

async function main(): Promise<void> {
  const config = loadConfig();
  // createApp applies SPEC section 8's start rule: off loopback, or with
  // RAPPORT_AUTH=required, and no credentials configured, it refuses.
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  const logger = new Logger('Rapport');
  logger.log(`Rapport ${config.mode} listening on http://${config.host}:${config.port} (data: ${config.dataDir})`);
  const authenticator = app.get<Authenticator>(AUTHENTICATOR);
  if (authenticator.required) logger.log(authenticator.describe());
  else logger.warn(authenticator.describe());
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
