import { ConfigError } from './config-error';
import { assertSafeToServe, authPolicy, DEFAULT_RATE_LIMIT, isLoopback, loadConfig, rateLimitFor } from './rapport.config';

describe('loadConfig', () => {
  it('defaults to embedded on loopback port 3000 with data under ./data', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      mode: 'embedded',
      host: '127.0.0.1',
      port: 3000,
      kafkaBrokers: ['127.0.0.1:9092'],
      mongoUrl: 'mongodb://127.0.0.1:27017/rapport',
      auth: 'auto',
      maxBatchSize: 500,
      requireInfra: false,
    });
    expect(config.dataDir).toMatch(/[/\\]data$/);
  });

  it('reads the SPEC variables', () => {
    const config = loadConfig({
      RAPPORT_MODE: 'distributed',
      RAPPORT_PORT: '8080',
      RAPPORT_KAFKA_BROKERS: 'a:1, b:2',
      RAPPORT_REQUIRE_INFRA: '1',
      RAPPORT_ESDB_URL: 'esdb://localhost:2113?tls=false',
    });
    expect(config.mode).toBe('distributed');
    expect(config.port).toBe(8080);
    expect(config.kafkaBrokers).toEqual(['a:1', 'b:2']);
    expect(config.requireInfra).toBe(true);
    expect(config.esdbUrl).toBe('esdb://localhost:2113?tls=false');
  });

  it('reads RAPPORT_PURCHASE_MODEL: bgnbd by default, any of the three models or best', () => {
    expect(loadConfig({}).purchaseModel).toBe('bgnbd');
    for (const model of ['bgnbd', 'pareto-nbd', 'mbg-nbd', 'best']) expect(loadConfig({ RAPPORT_PURCHASE_MODEL: model }).purchaseModel).toBe(model);
  });

  it('reads RAPPORT_REPORTING_CURRENCY: USD by default, else the code given', () => {
    expect(loadConfig({}).reportingCurrency).toBe('USD');
    expect(loadConfig({ RAPPORT_REPORTING_CURRENCY: ' EUR ' }).reportingCurrency).toBe('EUR');
  });

  it.each([
    ['RAPPORT_PURCHASE_MODEL', 'weibull'],
    ['RAPPORT_MODE', 'cloud'],
    ['RAPPORT_PORT', '70000'],
    ['RAPPORT_PORT', 'abc'],
    ['RAPPORT_AUTH', 'maybe'],
    // The API's currency rule: upper case, and a code ISO 4217 lists.
    ['RAPPORT_REPORTING_CURRENCY', 'usd'],
    ['RAPPORT_REPORTING_CURRENCY', 'XYZ'],
  ])('refuses %s=%s with a clear message', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });

  it('reads the playbooks’ settings: consent default, contact cap, signal period, webhooks and their retries', () => {
    expect(loadConfig({}).playbooks).toEqual({
      consentDefault: 'opt-in',
      contactCap: { count: 1, period: 'P7D' },
      signalEvery: 'PT1H',
      webhooksFile: undefined,
      webhookRetryMs: [1000, 5000, 30000, 120000, 600000],
      runner: 'api',
    });
    const set = loadConfig({
      RAPPORT_CONSENT_DEFAULT: 'opt-out',
      RAPPORT_CONTACT_CAP: '3/P30D',
      RAPPORT_SIGNAL_EVERY: 'PT15M',
      RAPPORT_WEBHOOKS: ' hooks.json ',
      RAPPORT_WEBHOOK_RETRY_MS: '50, 100',
      RAPPORT_PLAYBOOK_RUNNER: 'separate',
    }).playbooks;
    expect(set).toEqual({ consentDefault: 'opt-out', contactCap: { count: 3, period: 'P30D' }, signalEvery: 'PT15M', webhooksFile: 'hooks.json', webhookRetryMs: [50, 100], runner: 'separate' });
    expect(() => loadConfig({ RAPPORT_PLAYBOOK_RUNNER: 'elsewhere' })).toThrow('RAPPORT_PLAYBOOK_RUNNER');
    for (const bad of ['0/P7D', '1', 'P7D', '1/7D', 'lots/P7D']) expect(() => loadConfig({ RAPPORT_CONTACT_CAP: bad })).toThrow('RAPPORT_CONTACT_CAP');
    for (const bad of ['0', '5', 'soon', '1000,', '100000000']) expect(() => loadConfig({ RAPPORT_WEBHOOK_RETRY_MS: bad })).toThrow('RAPPORT_WEBHOOK_RETRY_MS');
    expect(() => loadConfig({ RAPPORT_CONSENT_DEFAULT: 'maybe' })).toThrow('RAPPORT_CONSENT_DEFAULT');
  });

  it('sweeps pending erasures every minute unless RAPPORT_ERASURE_SWEEP_MS says otherwise', () => {
    expect(loadConfig({}).erasureSweepMs).toBe(60_000);
    expect(loadConfig({ RAPPORT_ERASURE_SWEEP_MS: '5000' }).erasureSweepMs).toBe(5000);
    for (const bad of ['0', '-1', 'soon', '1.5']) expect(() => loadConfig({ RAPPORT_ERASURE_SWEEP_MS: bad })).toThrow('RAPPORT_ERASURE_SWEEP_MS');
  });

  it('projects the embedded read models on a worker thread unless RAPPORT_PROJECTION_THREAD=main', () => {
    expect(loadConfig({}).projectionThread).toBe('worker');
    expect(loadConfig({ RAPPORT_PROJECTION_THREAD: 'main' }).projectionThread).toBe('main');
    expect(() => loadConfig({ RAPPORT_PROJECTION_THREAD: 'elsewhere' })).toThrow('RAPPORT_PROJECTION_THREAD');
  });

  it('lets a heap grow 50% past its live size in embedded mode unless RAPPORT_HEAP_GROWTH_PERCENT says otherwise (0: V8 decides)', () => {
    expect(loadConfig({}).heapGrowthPercent).toBe(50);
    expect(loadConfig({ RAPPORT_MODE: 'distributed' }).heapGrowthPercent).toBe(0);
    expect(loadConfig({ RAPPORT_MODE: 'distributed', RAPPORT_HEAP_GROWTH_PERCENT: '50' }).heapGrowthPercent).toBe(50);
    expect(loadConfig({ RAPPORT_HEAP_GROWTH_PERCENT: '0' }).heapGrowthPercent).toBe(0);
    expect(loadConfig({ RAPPORT_HEAP_GROWTH_PERCENT: '100' }).heapGrowthPercent).toBe(100);
    for (const bad of ['-1', '301', 'half', '12.5']) expect(() => loadConfig({ RAPPORT_HEAP_GROWTH_PERCENT: bad })).toThrow('RAPPORT_HEAP_GROWTH_PERCENT');
  });

  it('calls a projection lagging past 1,000 events or 30 s unless RAPPORT_PROJECTION_LAG_* say otherwise', () => {
    expect(loadConfig({}).projectionLag).toEqual({ maxLagEvents: 1000, maxLagSeconds: 30 });
    expect(loadConfig({ RAPPORT_PROJECTION_LAG_THRESHOLD: '50', RAPPORT_PROJECTION_LAG_SECONDS: '5' }).projectionLag).toEqual({ maxLagEvents: 50, maxLagSeconds: 5 });
    expect(() => loadConfig({ RAPPORT_PROJECTION_LAG_THRESHOLD: '-1' })).toThrow('RAPPORT_PROJECTION_LAG_THRESHOLD');
    expect(() => loadConfig({ RAPPORT_PROJECTION_LAG_SECONDS: '0' })).toThrow('RAPPORT_PROJECTION_LAG_SECONDS');
  });

  it('knows loopback addresses', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('localhost')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('[::1]')).toBe(true);
    expect(isLoopback('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopback('::')).toBe(false);
    expect(isLoopback('127.0.0.1.example.com')).toBe(false);
    expect(isLoopback('0.0.0.0')).toBe(false);
    expect(isLoopback('10.0.0.5')).toBe(false);
  });
});

describe('JWT configuration', () => {
  const base = { RAPPORT_JWT_ISSUER: 'https://id.example', RAPPORT_JWT_AUDIENCE: 'rapport' };
  const pem = '-----BEGIN PUBLIC KEY-----\\nMIIB\\n-----END PUBLIC KEY-----';

  it('is off when no RAPPORT_JWT_* variable is set', () => {
    expect(loadConfig({}).jwt).toBeUndefined();
  });

  it('reads issuer, audience, default algorithms RS256,ES256, roles claim, actor claim and a 30 s skew', () => {
    const jwt = loadConfig({ ...base, RAPPORT_JWT_PUBLIC_KEY: pem }).jwt!;
    expect(jwt).toMatchObject({
      issuer: 'https://id.example',
      audience: 'rapport',
      algorithms: ['RS256', 'ES256'],
      rolesClaim: 'roles',
      actorClaim: 'sub',
      clockToleranceSeconds: 30,
    });
    // A PEM squeezed onto one line keeps its line breaks.
    expect(jwt.key).toEqual({ kind: 'public-key', pem: '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----' });
  });

  it('takes a JWKS URL (https, or http on loopback) or a file', () => {
    expect(loadConfig({ ...base, RAPPORT_JWT_JWKS_URL: 'https://id.example/.well-known/jwks.json' }).jwt!.key).toEqual({ kind: 'jwks', url: 'https://id.example/.well-known/jwks.json' });
    expect(loadConfig({ ...base, RAPPORT_JWT_JWKS_URL: 'http://127.0.0.1:8080/jwks' }).jwt!.key.kind).toBe('jwks');
    expect(() => loadConfig({ ...base, RAPPORT_JWT_JWKS_URL: 'http://id.example/jwks' })).toThrow(/https/);
    expect(loadConfig({ ...base, RAPPORT_JWT_PUBLIC_KEY_FILE: '/etc/rapport/jwt.pem' }).jwt!.key).toEqual({ kind: 'public-key-file', path: '/etc/rapport/jwt.pem' });
  });

  it.each([
    ['no issuer', { RAPPORT_JWT_AUDIENCE: 'rapport', RAPPORT_JWT_PUBLIC_KEY: pem }, /RAPPORT_JWT_ISSUER/],
    ['no audience', { RAPPORT_JWT_ISSUER: 'https://id.example', RAPPORT_JWT_PUBLIC_KEY: pem }, /RAPPORT_JWT_AUDIENCE/],
    ['no key', base, /one key source/],
    ['two keys', { ...base, RAPPORT_JWT_PUBLIC_KEY: pem, RAPPORT_JWT_JWKS_URL: 'https://id.example/jwks' }, /only one/],
    ['alg none', { ...base, RAPPORT_JWT_PUBLIC_KEY: pem, RAPPORT_JWT_ALGORITHMS: 'none' }, /"none" is not accepted/],
    ['an unknown algorithm', { ...base, RAPPORT_JWT_PUBLIC_KEY: pem, RAPPORT_JWT_ALGORITHMS: 'RS256,XS1' }, /"XS1"/],
    ['HS256 with a public key (algorithm confusion)', { ...base, RAPPORT_JWT_PUBLIC_KEY: pem, RAPPORT_JWT_ALGORITHMS: 'RS256,HS256' }, /HMAC is never checked against a public key/],
    ['a secret with RS256', { ...base, RAPPORT_JWT_SECRET: 'x'.repeat(32), RAPPORT_JWT_ALGORITHMS: 'RS256' }, /HMAC tokens only/],
    ['a secret with the default algorithms', { ...base, RAPPORT_JWT_SECRET: 'x'.repeat(32) }, /HMAC tokens only/],
    ['a short secret', { ...base, RAPPORT_JWT_SECRET: 'short', RAPPORT_JWT_ALGORITHMS: 'HS256' }, /at least 32 bytes/],
    ['a skew over 5 minutes', { ...base, RAPPORT_JWT_PUBLIC_KEY: pem, RAPPORT_JWT_CLOCK_SKEW_SECONDS: '3600' }, /RAPPORT_JWT_CLOCK_SKEW_SECONDS/],
  ])('refuses %s', (_what, env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('takes an HMAC secret with HS algorithms only', () => {
    const jwt = loadConfig({ ...base, RAPPORT_JWT_SECRET: 's'.repeat(32), RAPPORT_JWT_ALGORITHMS: 'HS256' }).jwt!;
    expect(jwt.algorithms).toEqual(['HS256']);
    expect(jwt.key.kind).toBe('secret');
  });
});

describe('authPolicy and assertSafeToServe (SPEC section 8)', () => {
  const jwtEnv = { RAPPORT_JWT_ISSUER: 'https://id.example', RAPPORT_JWT_AUDIENCE: 'rapport', RAPPORT_JWT_JWKS_URL: 'https://id.example/jwks' };

  it('serves loopback with RAPPORT_AUTH=auto and no credentials unauthenticated', () => {
    for (const host of ['127.0.0.1', 'localhost', '::1', '127.1.2.3']) {
      const config = loadConfig({ RAPPORT_HOST: host });
      expect(assertSafeToServe(config)).toEqual({ required: false, reason: expect.stringContaining('loopback') });
    }
  });

  it('refuses to start off loopback without credentials', () => {
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'rapport.example']) {
      const config = loadConfig({ RAPPORT_HOST: host });
      expect(authPolicy(config).required).toBe(true);
      expect(() => assertSafeToServe(config)).toThrow(ConfigError);
      expect(() => assertSafeToServe(config)).toThrow(/not a loopback address.*refusing to start/);
    }
  });

  it('refuses to start with RAPPORT_AUTH=required and no credentials, even on loopback', () => {
    expect(() => assertSafeToServe(loadConfig({ RAPPORT_AUTH: 'required' }))).toThrow(/RAPPORT_AUTH=required.*refusing to start/);
  });

  it('requires credentials off loopback or with RAPPORT_AUTH=required once some are configured', () => {
    expect(assertSafeToServe(loadConfig({ RAPPORT_HOST: '0.0.0.0', RAPPORT_API_KEYS: '/etc/rapport/keys.json' })).required).toBe(true);
    expect(assertSafeToServe(loadConfig({ RAPPORT_HOST: '0.0.0.0', ...jwtEnv })).required).toBe(true);
    expect(assertSafeToServe(loadConfig({ RAPPORT_AUTH: 'required', RAPPORT_API_KEYS: 'keys.json' })).required).toBe(true);
  });

  it('enforces configured credentials on loopback too', () => {
    expect(assertSafeToServe(loadConfig({ RAPPORT_API_KEYS: 'keys.json' }))).toEqual({ required: true, reason: 'credentials are configured' });
  });
});

describe('limits: body sizes, rate limit, CORS', () => {
  it('defaults to 1 MiB bodies, 4 MiB batch bodies and no CORS', () => {
    const config = loadConfig({});
    expect(config.bodyLimitBytes).toBe(1024 * 1024);
    expect(config.batchBodyLimitBytes).toBe(4 * 1024 * 1024);
    expect(config.corsOrigins).toEqual([]);
  });

  it('never lets the batch default fall below the body limit', () => {
    expect(loadConfig({ RAPPORT_BODY_LIMIT_BYTES: String(8 * 1024 * 1024) }).batchBodyLimitBytes).toBe(8 * 1024 * 1024);
    expect(loadConfig({ RAPPORT_BATCH_BODY_LIMIT_BYTES: '2048' }).batchBodyLimitBytes).toBe(2048);
  });

  it('rate-limits by default only where credentials are required', () => {
    expect(rateLimitFor(loadConfig({}))).toBeUndefined();
    expect(rateLimitFor(loadConfig({ RAPPORT_AUTH: 'required', RAPPORT_API_KEYS: '/k.json' }))).toEqual({ limit: DEFAULT_RATE_LIMIT, windowSeconds: 60 });
    expect(rateLimitFor(loadConfig({ RAPPORT_HOST: '10.0.0.5', RAPPORT_API_KEYS: '/k.json' }))).toEqual({ limit: DEFAULT_RATE_LIMIT, windowSeconds: 60 });
  });

  it('takes an explicit limit and window, and 0 turns the limit off', () => {
    expect(rateLimitFor(loadConfig({ RAPPORT_RATE_LIMIT: '5', RAPPORT_RATE_LIMIT_WINDOW_SECONDS: '10' }))).toEqual({ limit: 5, windowSeconds: 10 });
    expect(rateLimitFor(loadConfig({ RAPPORT_RATE_LIMIT: '0', RAPPORT_AUTH: 'required', RAPPORT_API_KEYS: '/k.json' }))).toBeUndefined();
  });

  it('reads exact origins, trimmed, deduplicated, trailing slash dropped', () => {
    expect(loadConfig({ RAPPORT_CORS_ORIGINS: 'https://crm.example.com, http://localhost:5173/ ,https://crm.example.com' }).corsOrigins).toEqual([
      'https://crm.example.com',
      'http://localhost:5173',
    ]);
  });

  it.each([
    ['RAPPORT_RATE_LIMIT', '-1'],
    ['RAPPORT_RATE_LIMIT', 'lots'],
    ['RAPPORT_RATE_LIMIT_WINDOW_SECONDS', '0'],
    ['RAPPORT_BATCH_BODY_LIMIT_BYTES', '10'],
    ['RAPPORT_CORS_ORIGINS', '*'],
    ['RAPPORT_CORS_ORIGINS', 'null'],
    ['RAPPORT_CORS_ORIGINS', 'crm.example.com'],
    ['RAPPORT_CORS_ORIGINS', 'https://crm.example.com/app'],
    ['RAPPORT_CORS_ORIGINS', 'https://crm.example.com?x=1'],
    ['RAPPORT_CORS_ORIGINS', 'ftp://crm.example.com'],
  ])('refuses %s=%s with a clear message', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });
});
