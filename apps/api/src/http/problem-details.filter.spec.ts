import { Logger, type ArgumentsHost } from '@nestjs/common';
import { StorageFullError } from '@rapport/event-store';
import { ProblemDetailsFilter } from './problem-details.filter';
import { ProblemException } from './problem';

/** A host whose reply records what the filter sent. */
function host() {
  const sent: { status?: number; body?: unknown } = {};
  const reply = {
    status(code: number) {
      sent.status = code;
      return reply;
    },
    headers: () => reply,
    type: () => reply,
    send(body: unknown) {
      sent.body = body;
      return reply;
    },
  };
  const argumentsHost = { switchToHttp: () => ({ getResponse: () => reply, getRequest: () => ({ url: '/v1/x' }) }) } as unknown as ArgumentsHost;
  return { argumentsHost, sent };
}

describe('ProblemDetailsFilter logging', () => {
  let error: jest.SpyInstance;
  let warn: jest.SpyInstance;
  beforeEach(() => {
    error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('reports a 5xx the server chose as one line, without a stack trace', () => {
    const { argumentsHost, sent } = host();
    new ProblemDetailsFilter().catch(new ProblemException(503, 'CONSISTENCY_TIMEOUT', 'Not yet consistent', 'read models reached 4 of 9'), argumentsHost);
    expect(sent.status).toBe(503);
    expect(error).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledWith('503 CONSISTENCY_TIMEOUT: read models reached 4 of 9');
  });

  it('reports a full disk the same way', () => {
    const { argumentsHost, sent } = host();
    new ProblemDetailsFilter().catch(new StorageFullError('database or disk is full'), argumentsHost);
    expect(sent.status).toBe(507);
    expect(error).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^507 STORAGE_FULL: /));
  });

  it('logs the stack of an unexpected error, and answers 500 without it', () => {
    const { argumentsHost, sent } = host();
    new ProblemDetailsFilter().catch(new TypeError('boom'), argumentsHost);
    expect(sent.status).toBe(500);
    expect(error).toHaveBeenCalledWith(expect.stringContaining('TypeError: boom\n    at '));
    expect(JSON.stringify(sent.body)).not.toContain('boom');
  });

  it('logs nothing for a 4xx', () => {
    const { argumentsHost, sent } = host();
    new ProblemDetailsFilter().catch(new ProblemException(400, 'VALIDATION_FAILED', 'Invalid request', 'bad'), argumentsHost);
    expect(sent.status).toBe(400);
    expect(error).not.toHaveBeenCalled();
    expect(warn).not.toHaveBeenCalled();
  });
});
