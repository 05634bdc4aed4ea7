// `?consistentWith=` tokens: opaque to clients, they name the log position a
// write reached, so a read can wait until the read models reflect it.
import { ProblemException } from '../http/problem';

export function encodeConsistencyToken(position: number): string {
  return Buffer.from(JSON.stringify({ p: position }), 'utf8').toString('base64url');
}

export function decodeConsistencyToken(token: string): number {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (value && typeof value === 'object' && 'p' in value && Number.isSafeInteger(value.p) && (value.p as number) >= -1) {
      return value.p as number;
    }
  } catch {
    // any undecodable token is the client's error
  }
  throw invalidConsistencyToken('not a token this server issued');
}

export function invalidConsistencyToken(reason: string): ProblemException {
  return new ProblemException(400, 'INVALID_CONSISTENCY_TOKEN', 'Invalid consistency token', 'consistentWith must be a token returned by a write.', [
    { field: 'consistentWith', message: reason },
  ]);
}
