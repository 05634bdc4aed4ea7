// One typed configuration, read from the environment (SPEC section 9).
import * as path from 'node:path';

export type RapportMode = 'embedded' | 'distributed';
export type AuthMode = 'auto' | 'required';

export interface RapportConfig {
  readonly mode: RapportMode;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly esdbUrl: string | undefined;
  readonly kafkaBrokers: readonly string[];
  readonly mongoUrl: string;
  readonly auth: AuthMode;
  readonly apiKeysFile: string | undefined;
  readonly requireInfra: boolean;
  readonly logLevel: string;
  /** Largest request body accepted, in bytes. */
  readonly bodyLimitBytes: number;
  /** Items accepted in one `POST /v1/events` batch. */
  readonly maxBatchSize: number;
  /** How long `?consistentWith=` may wait for the read models, in ms. */
  readonly consistencyTimeoutMs: number;
  readonly reportingCurrency: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

export function loadConfig(env: Env = process.env): RapportConfig {
  const mode = oneOf(env, 'RAPPORT_MODE', ['embedded', 'distributed'] as const, 'embedded');
  return {
    mode,
    host: env.RAPPORT_HOST?.trim() || '127.0.0.1',
    port: integer(env, 'RAPPORT_PORT', 3000, 0, 65535),
    dataDir: path.resolve(env.RAPPORT_DATA_DIR?.trim() || './data'),
    esdbUrl: env.RAPPORT_ESDB_URL?.trim() || undefined,
    kafkaBrokers: (env.RAPPORT_KAFKA_BROKERS?.trim() || '127.0.0.1:9092')
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    mongoUrl: env.RAPPORT_MONGO_URL?.trim() || 'mongodb://127.0.0.1:27017/rapport',
    auth: oneOf(env, 'RAPPORT_AUTH', ['auto', 'required'] as const, 'auto'),
    apiKeysFile: env.RAPPORT_API_KEYS?.trim() || undefined,
    requireInfra: env.RAPPORT_REQUIRE_INFRA === '1',
    logLevel: env.RAPPORT_LOG_LEVEL?.trim() || 'info',
    bodyLimitBytes: integer(env, 'RAPPORT_BODY_LIMIT_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    maxBatchSize: integer(env, 'RAPPORT_MAX_BATCH', 500, 1, 500),
    consistencyTimeoutMs: integer(env, 'RAPPORT_CONSISTENCY_TIMEOUT_MS', 5000, 0, 60000),
    reportingCurrency: (env.RAPPORT_REPORTING_CURRENCY?.trim() || 'USD').toUpperCase(),
  };
}

function oneOf<const T extends readonly string[]>(env: Env, name: string, allowed: T, fallback: T[number]): T[number] {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!allowed.includes(raw)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}; got "${raw}"`);
  return raw as T[number];
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}; got "${raw}"`);
  }
  return value;
}

/** Loopback addresses, where embedded mode may run without credentials (SPEC section 8). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * SPEC section 8: without credentials Rapport may only serve loopback. Until
 * credential checking is built, any other address, or RAPPORT_AUTH=required,
 * is refused at start rather than served open.
 */
export function assertSafeToServe(config: Pick<RapportConfig, 'host' | 'auth'>): void {
  if (config.auth === 'required') {
    throw new ConfigError('RAPPORT_AUTH=required, but this build cannot check credentials yet; refusing to start');
  }
  if (!isLoopback(config.host)) {
    throw new ConfigError(
      `RAPPORT_HOST=${config.host} is not a loopback address and this build cannot check credentials yet; refusing to serve it unprotected`,
    );
  }
}
