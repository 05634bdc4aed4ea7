// `npm start`: Rapport embedded on 127.0.0.1:3000, data under ./data.
import 'reflect-metadata';
import * as net from 'node:net';
import { Logger } from '@nestjs/common';
import { ConfigError, limitHeapGrowth, loadConfig } from '@rapport/config';
import { SERVICE_NAMES, startTracing } from '@rapport/observability';
import { createApp } from './app.factory';
import { closeOnSignals } from './close-on-signals';
import { AUTHENTICATOR } from './auth/auth.guard';
import type { Authenticator } from './auth/authenticator';

async function main(): Promise<void> {
  const config = loadConfig();
  limitHeapGrowth(config.heapGrowthPercent);
  // A taken port is found before anything starts (no projection, no "started"
  // line), and named by the variable that moves it.
  await assertPortFree(config.host, config.port);
  // Off unless configured (docs/observability.md); before the app, whose HTTP spans it enables.
  const tracing = await startTracing({ serviceName: SERVICE_NAMES.api });
  // createApp applies SPEC section 8's start rule: off loopback, or with
  // RAPPORT_AUTH=required, and no credentials configured, it refuses.
  const app = await createApp(config);
  await app.listen(config.port, config.host).catch(async (error: unknown) => {
    // Taken between the check and now: the same one line, after closing what started.
    await app.close().catch(() => undefined);
    throw isAddressInUse(error) ? portTaken(config.host, config.port) : error;
  });
  const logger = new Logger('Rapport');
  logger.log(`Rapport ${config.mode} listening on http://${config.host}:${config.port} (data: ${config.dataDir})`);
  const authenticator = app.get<Authenticator>(AUTHENTICATOR);
  if (authenticator.required) logger.log(authenticator.describe());
  else logger.warn(authenticator.describe());
  logger.log(`API docs at http://${config.host}:${config.port}/docs`);

  // Graceful shutdown: stop accepting, finish in-flight requests, stop the
  // projections after their current batch, close the stores, exit 0.
  closeOnSignals(app, tracing, {
    announce: (signal) => logger.log(`${signal}: finishing in-flight requests, then closing the stores`),
    fail: (message) => logger.error(message),
  });
}

function isAddressInUse(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'EADDRINUSE';
}

function portTaken(host: string, port: number): ConfigError {
  return new ConfigError(`RAPPORT_PORT=${port}: ${host}:${port} is already in use by another process; stop it or choose another RAPPORT_PORT`);
}

async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (error) => reject(isAddressInUse(error) ? portTaken(host, port) : error));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? `configuration error: ${error.message}` : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
