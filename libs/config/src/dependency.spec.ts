import { asUnreachable, DependencyUnavailableError, reportingUnreachable, TimeLimitError, unreachableDependency, withTimeLimit } from './dependency';

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

function socketError(code: string): Error {
  // As Node makes them (net.Socket#write after the far end closed: code EPIPE).
  return Object.assign(new Error('This socket has been ended by the other party'), { code });
}

describe('asUnreachable', () => {
  it.each(['EPIPE', 'ECONNRESET', 'ECONNREFUSED'])('says a bare %s is the dependency not answering, the socket error as its cause', (code) => {
    const bare = socketError(code);
    const said = asUnreachable('MongoDB', bare);
    expect(said).toBeInstanceOf(DependencyUnavailableError);
    expect(unreachableDependency(said)).toBe('MongoDB');
    expect((said as Error).cause).toBe(bare);
  });

  it('leaves other errors as they are, a driver error that names its dependency included', () => {
    const refusal = named('MongoServerError');
    expect(asUnreachable('MongoDB', refusal)).toBe(refusal);
    const other = Object.assign(new Error('no such file'), { code: 'ENOENT' });
    expect(asUnreachable('MongoDB', other)).toBe(other);
    const kafka = Object.assign(named('KafkaJSConnectionError'), { code: 'ECONNREFUSED' });
    expect(asUnreachable('MongoDB', kafka)).toBe(kafka);
    expect(asUnreachable('MongoDB', 'EPIPE')).toBe('EPIPE');
  });
});

describe('reportingUnreachable', () => {
  class Adapter {
    #calls = 0;
    readonly name = 'adapter';
    async write(fail?: Error): Promise<number> {
      this.#calls += 1;
      if (fail) throw fail;
      return this.#calls;
    }
    count(): number {
      return this.#calls;
    }
    explode(): never {
      throw socketError('ECONNRESET');
    }
  }

  it('runs each method on the adapter itself (its private state included) and passes results and properties through', async () => {
    const adapter = reportingUnreachable('MongoDB', new Adapter());
    await expect(adapter.write()).resolves.toBe(1);
    expect(adapter.count()).toBe(1);
    expect(adapter.name).toBe('adapter');
    expect(adapter).toBeInstanceOf(Adapter);
    expect(adapter.constructor).toBe(Adapter);
    expect(adapter.constructor.name).toBe('Adapter');
  });

  it('says a socket failure, thrown or rejected, is the dependency not answering, and passes any other failure through', async () => {
    const adapter = reportingUnreachable('MongoDB', new Adapter());
    await expect(adapter.write(socketError('EPIPE'))).rejects.toEqual(new DependencyUnavailableError('MongoDB', 'MongoDB did not answer: This socket has been ended by the other party'));
    expect(() => adapter.explode()).toThrow(DependencyUnavailableError);
    const refusal = named('MongoServerError');
    await expect(adapter.write(refusal)).rejects.toBe(refusal);
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
