import { retryWhileRetriable } from './kafka-relay';

const retriable = (message: string) => Object.assign(new Error(message), { retriable: true });

describe('retryWhileRetriable', () => {
  it('calls again while Kafka says the error is retriable, then returns the answer', async () => {
    const errors = [retriable('NOT_COORDINATOR'), retriable('COORDINATOR_LOAD_IN_PROGRESS')];
    const call = jest.fn(async () => {
      const error = errors.shift();
      if (error) throw error;
      return 'offsets';
    });
    await expect(retryWhileRetriable(call, 5_000)).resolves.toBe('offsets');
    expect(call).toHaveBeenCalledTimes(3);
  });

  it('throws a non-retriable error at once', async () => {
    const call = jest.fn(async () => {
      throw new Error('The consumer group must have no running instances');
    });
    await expect(retryWhileRetriable(call, 5_000)).rejects.toThrow(/no running instances/);
    expect(call).toHaveBeenCalledTimes(1);
  });

  it('gives up with the last error once the time is spent', async () => {
    const call = jest.fn(async () => {
      throw retriable('NOT_COORDINATOR');
    });
    await expect(retryWhileRetriable(call, 250)).rejects.toThrow('NOT_COORDINATOR');
    expect(call.mock.calls.length).toBeGreaterThanOrEqual(2);
  });
});
