import { DependencyUnavailableError, TimeLimitError, unreachableDependency, withTimeLimit } from './dependency';

function named(name: string): Error {
  const error = new Error('x');
  error.name = name;
  return error;
}

describe('unreachableDependency', () => {
  it.each([
    ['MongoServerSelectionError', 'MongoDB'],
    ['MongoNetworkError', 'MongoDB'],
    ['MongoNetworkTimeoutError', 'MongoDB'],
    ['MongoTopologyClosedError', 'MongoDB'],
    ['MongoWaitQueueTimeoutError', 'MongoDB'],
    ['MongoOperationTimeoutError', 'MongoDB'],
    ['MongoUnexpectedServerResponseError', 'MongoDB'],
    ['KafkaJSConnectionError', 'Kafka'],
    ['KafkaJSNumberOfRetriesExceeded', undefined],
    ['KafkaJSNumberOfRetriesExceededError', 'Kafka'],
  ])('names the dependency behind a %s', (name, dependency) => {
    expect(unreachableDependency(named(name))).toBe(dependency);
  });

  it('says nothing of other errors, a MongoDB refusal included (the server answered)', () => {
    expect(unreachableDependency(named('MongoServerError'))).toBeUndefined();
    expect(unreachableDependency(new TypeError('x'))).toBeUndefined();
    expect(unreachableDependency('MongoNetworkError')).toBeUndefined();
  });

  it("recognises the driver's subclasses under other names, and a cause", () => {
    class MongoNetworkError extends Error {}
    class PoolClearedError extends MongoNetworkError {}
    class PoolClearedOnNetworkError extends PoolClearedError {
      override get name() {
        return 'PoolClearedOnNetworkError';
      }
    }
    expect(unreachableDependency(new PoolClearedOnNetworkError('interrupted'))).toBe('MongoDB');
    expect(unreachableDependency(new Error('sealing failed', { cause: named('MongoServerSelectionError') }))).toBe('MongoDB');
    expect(unreachableDependency(new Error('x', { cause: new Error('y') }))).toBeUndefined();
  });

  it('passes through an error that already names it', () => {
    expect(unreachableDependency(new DependencyUnavailableError('Kafka', 'down'))).toBe('Kafka');
  });
});

describe('withTimeLimit', () => {
  it('gives the result of work that answers in time', async () => {
    await expect(withTimeLimit(1_000, async () => 42, 'x')).resolves.toBe(42);
  });

  it('gives up on work that does not answer, naming it', async () => {
    const never = () => new Promise<never>(() => undefined);
    await expect(withTimeLimit(20, never, 'the read store')).rejects.toEqual(new TimeLimitError('the read store did not answer within 20 ms'));
  });

  it('passes a failure through', async () => {
    await expect(withTimeLimit(1_000, () => Promise.reject(new Error('no')), 'x')).rejects.toThrow('no');
  });
});
