import { ConfigError } from './config-error';
import { startWithRetries } from './start-with-retries';

function kafkaDown(): Error {
  const error = new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
  error.name = 'KafkaJSConnectionError';
  return error;
}

describe('startWithRetries', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('tries again with a growing pause until the start succeeds, saying why each time', async () => {
    const warn = jest.fn();
    let calls = 0;
    const start = jest.fn(async () => {
      calls += 1;
      if (calls < 4) throw kafkaDown();
      return 'running';
    });
    const result = startWithRetries(start, { signal: new AbortController().signal, logger: { warn }, what: 'projector', maxDelayMs: 3_000 });
    await jest.advanceTimersByTimeAsync(1_000 + 2_000 + 3_000);
    await expect(result).resolves.toBe('running');
    expect(start).toHaveBeenCalledTimes(4);
    expect(warn.mock.calls.map(([message]) => message)).toEqual([
      'projector cannot start: Kafka does not answer; trying again in 1 s',
      'projector cannot start: Kafka does not answer; trying again in 2 s',
      'projector cannot start: Kafka does not answer; trying again in 3 s',
    ]);
  });

  it('stops trying when the signal aborts, and gives undefined', async () => {
    const controller = new AbortController();
    const start = jest.fn(async () => {
      throw kafkaDown();
    });
    const result = startWithRetries(start, { signal: controller.signal, logger: { warn: jest.fn() }, what: 'relay' });
    await jest.advanceTimersByTimeAsync(10);
    controller.abort();
    await expect(result).resolves.toBeUndefined();
    expect(start).toHaveBeenCalledTimes(1);
  });

  it('throws an error no retry can fix at once', async () => {
    const start = jest.fn(async () => {
      throw new ConfigError('RAPPORT_KAFKA_BROKERS is empty');
    });
    const result = startWithRetries(start, { signal: new AbortController().signal, logger: { warn: jest.fn() }, what: 'x', isFatal: (e) => e instanceof ConfigError });
    await expect(result).rejects.toThrow('RAPPORT_KAFKA_BROKERS is empty');
    expect(start).toHaveBeenCalledTimes(1);
  });
});
