// One typed configuration, read from the environment (SPEC section 9).
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { isISO4217CurrencyCode } from 'class-validator';
import { ConfigError } from './config-error';
import { envInteger, envOneOf, type Env } from './env-values';

export type RapportMode = 'embedded' | 'distributed';
export type AuthMode = 'auto' | 'required';

/** Algorithms a JWT may be signed with; `none` is never one of them. */
export const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'HS256', 'HS384', 'HS512'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/** Where JWT verification keys come from: exactly one of these. */
export type JwtKeySource =
  | { readonly kind: 'public-key'; readonly pem: string }
  | { readonly kind: 'public-key-file'; readonly path: string }
  | { readonly kind: 'jwks'; readonly url: string }
  | { readonly kind: 'secret'; readonly secret: string };

/** Bearer tokens (SPEC section 8): who issues them, for whom, signed how. */
export interface JwtConfig {
  readonly issuer: string;
  readonly audience: string;
  readonly algorithms: readonly JwtAlgorithm[];
  readonly key: JwtKeySource;
  /** Claim (dot path, e.g. `realm_access.roles`) holding the roles: an array or a space-separated string. */
  readonly rolesClaim: string;
  /** Claim naming the caller; becomes `metadata.actor`. */
  readonly actorClaim: string;
  /** Leeway for exp and nbf, in seconds. */
  readonly clockToleranceSeconds: number;
}

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
  /** Set when any RAPPORT_JWT_* key source is configured. */
  readonly jwt: JwtConfig | undefined;
  readonly requireInfra: boolean;
  readonly logLevel: string;
  /** Largest request body accepted, in bytes. */
  readonly bodyLimitBytes: number;
  /** Largest body of a `POST /v1/events` batch, in bytes: up to 500 events need more than one event does. */
  readonly batchBodyLimitBytes: number;
  /** Items accepted in one `POST /v1/events` batch. */
  readonly maxBatchSize: number;
  /** Requests per credential per window; see rateLimitFor for the default. */
  readonly rateLimit: RateLimitSetting;
  /** Browser origins allowed by CORS (exact `scheme://host[:port]`); empty: CORS off. */
  readonly corsOrigins: readonly string[];
  /** How long `?consistentWith=` may wait for the read models, in ms. */
  readonly consistencyTimeoutMs: number;
  /** Time limit of each readiness probe (RAPPORT_READY_PROBE_MS): a dependency that does not answer by then is down. */
  readonly readyProbeMs: number;
  /** When `/health/ready` calls a projection lagging: RAPPORT_PROJECTION_LAG_THRESHOLD events, RAPPORT_PROJECTION_LAG_SECONDS. */
  readonly projectionLag: { readonly maxLagEvents: number; readonly maxLagSeconds: number };
  readonly reportingCurrency: string;
  /**
   * RAPPORT_FIT_WORKERS: worker threads for model fits (default one per core, at most 4;
   * 0 fits on the event loop). RAPPORT_ANALYTICS_WARMUP (`on`, `off`): compute the workspace's
   * costly answers ahead, after each change to the purchases settles (docs/analytics.md).
   */
  readonly analyticsCompute: { readonly fitWorkers: number; readonly warmup: boolean };
  /**
   * RAPPORT_PURCHASE_MODEL (default `bgnbd`): the purchase model behind the 360's
   * predictions and the predictions route; `best` is the best-ranked by holdout MAPE
   * (docs/analytics.md, "Which model the predictions use").
   */
  readonly purchaseModel: 'bgnbd' | 'pareto-nbd' | 'mbg-nbd' | 'best';
  /** How often pending erasures (keys not yet destroyed) are finished, in ms; also once at start. */
  readonly erasureSweepMs: number;
  /**
   * RAPPORT_PROJECTION_THREAD (embedded mode; default `worker`): where the read
   * models are projected. `worker`: a worker thread of their own, so requests
   * keep the event loop; `main`: on the event loop (docs/architecture.md).
   */
  readonly projectionThread: 'worker' | 'main';
  /**
   * RAPPORT_HEAP_GROWTH_PERCENT (default 50 embedded, 0 distributed; 0 leaves
   * V8's own heuristics): how far a heap may grow past what survived its last
   * full collection before the next one (limitHeapGrowth; docs/decisions.md).
   */
  readonly heapGrowthPercent: number;
  readonly playbooks: PlaybooksConfig;
}

/** SPEC section 10's settings. */
export interface PlaybooksConfig {
  /** RAPPORT_CONSENT_DEFAULT: what no word from a customer means for marketing (`opt-in`: not without a grant). */
  readonly consentDefault: 'opt-in' | 'opt-out';
  /** RAPPORT_CONTACT_CAP, `<count>/<ISO 8601 duration>` (default `1/P7D`): marketing actions per customer per period, across playbooks. */
  readonly contactCap: { readonly count: number; readonly period: string };
  /** RAPPORT_SIGNAL_EVERY (default `PT1H`): how often signal triggers fire over every customer. */
  readonly signalEvery: string;
  /** RAPPORT_WEBHOOKS: a JSON file of `[{"url", "kinds", "secret"}]`; no webhooks when unset. */
  readonly webhooksFile: string | undefined;
  /** RAPPORT_WEBHOOK_RETRY_MS: pauses before each retry, comma-separated ms (default 1000,5000,30000,120000,600000). */
  readonly webhookRetryMs: readonly number[];
  /**
   * RAPPORT_PLAYBOOK_RUNNER: where the runner (and the webhook sender) runs.
   * `api` (default): in each API process. `separate`: not in the API; the
   * playbook-runner role (`npm run playbook-runner`) runs it, once or more.
   */
  readonly runner: 'api' | 'separate';
}

/** RAPPORT_RATE_LIMIT (`limit`; 0 = off; unset = by auth policy) and RAPPORT_RATE_LIMIT_WINDOW_SECONDS. */
export interface RateLimitSetting {
  readonly limit: number | undefined;
  readonly windowSeconds: number;
}

/** The limit applied when RAPPORT_RATE_LIMIT is not set and credentials are required. */
export const DEFAULT_RATE_LIMIT = 6000;


export function loadConfig(env: Env = process.env): RapportConfig {
  const mode = envOneOf(env, 'RAPPORT_MODE', ['embedded', 'distributed'] as const, 'embedded');
  const bodyLimitBytes = envInteger(env, 'RAPPORT_BODY_LIMIT_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024);
  return {
    mode,
    host: env.RAPPORT_HOST?.trim() || '127.0.0.1',
    port: envInteger(env, 'RAPPORT_PORT', 3000, 0, 65535),
    dataDir: path.resolve(env.RAPPORT_DATA_DIR?.trim() || './data'),
    esdbUrl: env.RAPPORT_ESDB_URL?.trim() || undefined,
    kafkaBrokers: (env.RAPPORT_KAFKA_BROKERS?.trim() || '127.0.0.1:9092')
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    mongoUrl: env.RAPPORT_MONGO_URL?.trim() || 'mongodb://127.0.0.1:27017/rapport',
    auth: envOneOf(env, 'RAPPORT_AUTH', ['auto', 'required'] as const, 'auto'),
    apiKeysFile: env.RAPPORT_API_KEYS?.trim() || undefined,
    jwt: jwtConfig(env),
    requireInfra: env.RAPPORT_REQUIRE_INFRA === '1',
    logLevel: env.RAPPORT_LOG_LEVEL?.trim() || 'info',
    bodyLimitBytes,
    batchBodyLimitBytes: envInteger(env, 'RAPPORT_BATCH_BODY_LIMIT_BYTES', Math.max(4 * 1024 * 1024, bodyLimitBytes), 1024, 64 * 1024 * 1024),
    maxBatchSize: envInteger(env, 'RAPPORT_MAX_BATCH', 500, 1, 500),
    rateLimit: {
      limit: env.RAPPORT_RATE_LIMIT?.trim() ? envInteger(env, 'RAPPORT_RATE_LIMIT', 0, 0, 1_000_000) : undefined,
      windowSeconds: envInteger(env, 'RAPPORT_RATE_LIMIT_WINDOW_SECONDS', 60, 1, 3600),
    },
    corsOrigins: corsOrigins(env),
    consistencyTimeoutMs: envInteger(env, 'RAPPORT_CONSISTENCY_TIMEOUT_MS', 5000, 0, 60000),
    readyProbeMs: envInteger(env, 'RAPPORT_READY_PROBE_MS', 1000, 50, 60_000),
    projectionLag: {
      maxLagEvents: envInteger(env, 'RAPPORT_PROJECTION_LAG_THRESHOLD', 1000, 0, 100_000_000),
      maxLagSeconds: envInteger(env, 'RAPPORT_PROJECTION_LAG_SECONDS', 30, 1, 86_400),
    },
    reportingCurrency: reportingCurrency(env),
    analyticsCompute: {
      fitWorkers: envInteger(env, 'RAPPORT_FIT_WORKERS', Math.min(4, availableParallelism()), 0, 16),
      warmup: envOneOf(env, 'RAPPORT_ANALYTICS_WARMUP', ['on', 'off'] as const, 'on') === 'on',
    },
    purchaseModel: envOneOf(env, 'RAPPORT_PURCHASE_MODEL', ['bgnbd', 'pareto-nbd', 'mbg-nbd', 'best'] as const, 'bgnbd'),
    erasureSweepMs: envInteger(env, 'RAPPORT_ERASURE_SWEEP_MS', 60_000, 100, 86_400_000),
    projectionThread: envOneOf(env, 'RAPPORT_PROJECTION_THREAD', ['worker', 'main'] as const, 'worker'),
    heapGrowthPercent: envInteger(env, 'RAPPORT_HEAP_GROWTH_PERCENT', mode === 'embedded' ? 50 : 0, 0, 300),
    playbooks: {
      consentDefault: envOneOf(env, 'RAPPORT_CONSENT_DEFAULT', ['opt-in', 'opt-out'] as const, 'opt-in'),
      contactCap: contactCap(env),
      signalEvery: env.RAPPORT_SIGNAL_EVERY?.trim() || 'PT1H',
      webhooksFile: env.RAPPORT_WEBHOOKS?.trim() || undefined,
      webhookRetryMs: webhookRetryMs(env),
      runner: envOneOf(env, 'RAPPORT_PLAYBOOK_RUNNER', ['api', 'separate'] as const, 'api'),
    },
  };
}

/** RAPPORT_WEBHOOK_RETRY_MS: up to 20 pauses of 10 ms to a day each. */
function webhookRetryMs(env: Env): number[] {
  const raw = env.RAPPORT_WEBHOOK_RETRY_MS?.trim() || '1000,5000,30000,120000,600000';
  const values = raw.split(',').map((v) => v.trim());
  if (values.length > 20 || values.some((v) => !/^[1-9][0-9]{1,7}$/.test(v) || Number(v) > 86_400_000)) {
    throw new ConfigError(`RAPPORT_WEBHOOK_RETRY_MS: "${raw}" must be up to 20 comma-separated pauses in ms, each from 10 to 86400000`);
  }
  return values.map(Number);
}

/** RAPPORT_CONTACT_CAP: `<count>/<duration>`; the duration's own rules are the playbooks' (checked where it is used). */
function contactCap(env: Env): { count: number; period: string } {
  const raw = env.RAPPORT_CONTACT_CAP?.trim() || '1/P7D';
  const match = /^([1-9][0-9]{0,3})\/(P[0-9A-Z]+)$/.exec(raw);
  if (!match) throw new ConfigError(`RAPPORT_CONTACT_CAP: "${raw}" is not <count>/<ISO 8601 duration>, e.g. 1/P7D or 3/P30D`);
  return { count: Number(match[1]), period: match[2]! };
}

/** RAPPORT_CORS_ORIGINS: a comma-separated list of exact origins; no wildcard, so what is allowed is always spelled out. */
function corsOrigins(env: Env): string[] {
  const raw = env.RAPPORT_CORS_ORIGINS?.trim();
  if (!raw) return [];
  const origins = raw
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  return [
    ...new Set(
      origins.map((origin) => {
        if (origin === '*' || origin === 'null') {
          throw new ConfigError(`RAPPORT_CORS_ORIGINS: "${origin}" is not accepted; list each allowed origin, e.g. https://crm.example.com`);
        }
        let url: URL;
        try {
          url = new URL(origin);
        } catch {
          throw new ConfigError(`RAPPORT_CORS_ORIGINS: "${origin}" is not an origin such as https://crm.example.com`);
        }
        // An origin has no path, query or credentials: "https://a.example/" is tolerated, "https://a.example/app" is not.
        if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== origin.replace(/\/$/, '')) {
          throw new ConfigError(`RAPPORT_CORS_ORIGINS: "${origin}" is not an origin (scheme://host[:port], no path); did you mean ${url.origin}?`);
        }
        return url.origin;
      }),
    ),
  ];
}

/**
 * The rate limit in force, or undefined when off. RAPPORT_RATE_LIMIT=0 turns it
 * off; unset, it is DEFAULT_RATE_LIMIT when credentials are required and off
 * when the server trusts every caller (loopback, no credentials: SPEC section 8).
 */
export function rateLimitFor(config: Pick<RapportConfig, 'rateLimit' | 'host' | 'auth' | 'apiKeysFile' | 'jwt'>): { limit: number; windowSeconds: number } | undefined {
  const limit = config.rateLimit.limit ?? (authPolicy(config).required ? DEFAULT_RATE_LIMIT : 0);
  return limit > 0 ? { limit, windowSeconds: config.rateLimit.windowSeconds } : undefined;
}

/**
 * RAPPORT_JWT_ISSUER, RAPPORT_JWT_AUDIENCE, RAPPORT_JWT_ALGORITHMS (default
 * RS256,ES256) and one key source: RAPPORT_JWT_PUBLIC_KEY (PEM or a JWK as
 * JSON), RAPPORT_JWT_PUBLIC_KEY_FILE, RAPPORT_JWT_JWKS_URL, or
 * RAPPORT_JWT_SECRET (HMAC only, and only with HS* algorithms).
 */
function jwtConfig(env: Env): JwtConfig | undefined {
  const get = (name: string) => env[name]?.trim() || undefined;
  const names = ['RAPPORT_JWT_ISSUER', 'RAPPORT_JWT_AUDIENCE', 'RAPPORT_JWT_PUBLIC_KEY', 'RAPPORT_JWT_PUBLIC_KEY_FILE', 'RAPPORT_JWT_JWKS_URL', 'RAPPORT_JWT_SECRET'];
  if (!names.some(get)) return undefined;

  const issuer = get('RAPPORT_JWT_ISSUER');
  const audience = get('RAPPORT_JWT_AUDIENCE');
  if (!issuer || !audience) {
    throw new ConfigError('JWT verification needs both RAPPORT_JWT_ISSUER and RAPPORT_JWT_AUDIENCE: a token is only accepted from a known issuer, for this service');
  }

  const algorithms = (get('RAPPORT_JWT_ALGORITHMS') ?? 'RS256,ES256')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  for (const alg of algorithms) {
    if (!(JWT_ALGORITHMS as readonly string[]).includes(alg)) {
      throw new ConfigError(`RAPPORT_JWT_ALGORITHMS: "${alg}" is not accepted; use some of ${JWT_ALGORITHMS.join(', ')}`);
    }
  }
  if (algorithms.length === 0) throw new ConfigError('RAPPORT_JWT_ALGORITHMS names no algorithm');
  const hmac = algorithms.filter((a) => a.startsWith('HS'));
  const asymmetric = algorithms.filter((a) => !a.startsWith('HS'));

  const sources: JwtKeySource[] = [];
  const pem = get('RAPPORT_JWT_PUBLIC_KEY');
  // A PEM in one environment line may spell its line breaks as \n.
  if (pem) sources.push({ kind: 'public-key', pem: pem.startsWith('-----') ? pem.replace(/\\n/g, '\n') : pem });
  const pemFile = get('RAPPORT_JWT_PUBLIC_KEY_FILE');
  if (pemFile) sources.push({ kind: 'public-key-file', path: path.resolve(pemFile) });
  const jwksUrl = get('RAPPORT_JWT_JWKS_URL');
  if (jwksUrl) {
    let url: URL;
    try {
      url = new URL(jwksUrl);
    } catch {
      throw new ConfigError(`RAPPORT_JWT_JWKS_URL is not a URL: "${jwksUrl}"`);
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname.replace(/^\[|\]$/g, '')))) {
      throw new ConfigError(`RAPPORT_JWT_JWKS_URL must be https (plain http only to a loopback address); got "${jwksUrl}"`);
    }
    sources.push({ kind: 'jwks', url: url.toString() });
  }
  const secret = env.RAPPORT_JWT_SECRET || undefined;
  if (secret) sources.push({ kind: 'secret', secret });
  if (sources.length !== 1) {
    throw new ConfigError(
      sources.length === 0
        ? 'JWT verification needs one key source: RAPPORT_JWT_PUBLIC_KEY, RAPPORT_JWT_PUBLIC_KEY_FILE, RAPPORT_JWT_JWKS_URL or RAPPORT_JWT_SECRET'
        : 'give only one of RAPPORT_JWT_PUBLIC_KEY, RAPPORT_JWT_PUBLIC_KEY_FILE, RAPPORT_JWT_JWKS_URL and RAPPORT_JWT_SECRET',
    );
  }
  const key = sources[0]!;
  // One key family per configuration: a public key must never be usable as an
  // HMAC secret (algorithm confusion), nor a secret as a public key.
  if (key.kind === 'secret') {
    if (asymmetric.length > 0 || hmac.length === 0) {
      throw new ConfigError(`RAPPORT_JWT_SECRET verifies HMAC tokens only: set RAPPORT_JWT_ALGORITHMS to HS256, HS384 or HS512 (got ${algorithms.join(',')})`);
    }
    if (Buffer.byteLength(secret!, 'utf8') < 32) throw new ConfigError('RAPPORT_JWT_SECRET must be at least 32 bytes');
  } else if (hmac.length > 0) {
    throw new ConfigError(`RAPPORT_JWT_ALGORITHMS includes ${hmac.join(',')}, which needs RAPPORT_JWT_SECRET; HMAC is never checked against a public key`);
  }

  const rolesClaim = get('RAPPORT_JWT_ROLES_CLAIM') ?? 'roles';
  const actorClaim = get('RAPPORT_JWT_ACTOR_CLAIM') ?? 'sub';
  return {
    issuer,
    audience,
    algorithms: algorithms as JwtAlgorithm[],
    key,
    rolesClaim,
    actorClaim,
    clockToleranceSeconds: envInteger(env, 'RAPPORT_JWT_CLOCK_SKEW_SECONDS', 30, 0, 300),
  };
}

/** Loopback addresses, where embedded mode may run without credentials (SPEC section 8). */
export function isLoopback(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || /^(?:::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Whether requests must carry a credential, and why (SPEC section 8). */
export interface AuthPolicy {
  readonly required: boolean;
  readonly reason: string;
}

/** A credential source is configured: an API-key file or JWT verification. */
export function credentialsConfigured(config: Pick<RapportConfig, 'apiKeysFile' | 'jwt'>): boolean {
  return config.apiKeysFile !== undefined || config.jwt !== undefined;
}

/**
 * SPEC section 8. On a loopback address with RAPPORT_AUTH=auto and no
 * credential source configured, every caller is trusted (and recorded as
 * `anonymous`). Bound to any other address, with RAPPORT_AUTH=required, or
 * once a credential source is configured, every route but health needs a
 * credential. Credentials required but none configured: refuse to start.
 */
export function authPolicy(config: Pick<RapportConfig, 'host' | 'auth' | 'apiKeysFile' | 'jwt'>): AuthPolicy {
  if (config.auth === 'required') return { required: true, reason: 'RAPPORT_AUTH=required' };
  if (!isLoopback(config.host)) return { required: true, reason: `RAPPORT_HOST=${config.host} is not a loopback address` };
  if (credentialsConfigured(config)) return { required: true, reason: 'credentials are configured' };
  return { required: false, reason: `loopback (${config.host}), RAPPORT_AUTH=auto and no credentials configured` };
}

/** The policy to serve with; throws when credentials are required but no source of them is configured. */
export function assertSafeToServe(config: Pick<RapportConfig, 'host' | 'auth' | 'apiKeysFile' | 'jwt'>): AuthPolicy {
  const policy = authPolicy(config);
  if (policy.required && !credentialsConfigured(config)) {
    throw new ConfigError(
      `${policy.reason}, so every request needs a credential, but none is configured: set RAPPORT_API_KEYS (a file of hashed API keys) or RAPPORT_JWT_ISSUER, RAPPORT_JWT_AUDIENCE and a key (RAPPORT_JWT_PUBLIC_KEY, RAPPORT_JWT_JWKS_URL or RAPPORT_JWT_SECRET); refusing to start`,
    );
  }
  return policy;
}

/** The API's currency rule (an upper-case code ISO 4217 lists): the default must be one a query could name. */
function reportingCurrency(env: Env): string {
  const value = env.RAPPORT_REPORTING_CURRENCY?.trim() || 'USD';
  if (!/^[A-Z]{3}$/.test(value) || !isISO4217CurrencyCode(value)) {
    throw new ConfigError(`RAPPORT_REPORTING_CURRENCY must be an upper-case ISO 4217 code such as USD, got ${JSON.stringify(value)}`);
  }
  return value;
}
