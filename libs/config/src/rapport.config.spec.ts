import { assertSafeToServe, ConfigError, isLoopback, loadConfig } from './rapport.config';

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

  it.each([
    ['RAPPORT_MODE', 'cloud'],
    ['RAPPORT_PORT', '70000'],
    ['RAPPORT_PORT', 'abc'],
    ['RAPPORT_AUTH', 'maybe'],
  ])('refuses %s=%s with a clear message', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });

  it('knows loopback addresses', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('localhost')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('0.0.0.0')).toBe(false);
    expect(isLoopback('10.0.0.5')).toBe(false);
  });
});

describe('assertSafeToServe', () => {
  it('serves loopback without credentials', () => {
    expect(() => assertSafeToServe({ host: '127.0.0.1', auth: 'auto' })).not.toThrow();
  });

  it('refuses a non-loopback address or required auth while credentials cannot be checked', () => {
    expect(() => assertSafeToServe({ host: '0.0.0.0', auth: 'auto' })).toThrow(ConfigError);
    expect(() => assertSafeToServe({ host: '127.0.0.1', auth: 'required' })).toThrow(ConfigError);
  });
});
