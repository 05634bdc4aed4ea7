// Argument checks shared by every adapter of the port, so they refuse the same inputs the same way.
import { isCustomerId } from '@rapport/domain';
import type { ExpectedRevision } from './event-store.port';

export function assertCustomerId(customerId: string): void {
  if (!isCustomerId(customerId)) throw new RangeError(`invalid customerId ${JSON.stringify(customerId)}: 1-64 chars of [A-Za-z0-9_.:-]`);
}

export function assertExpectedRevision(expected: ExpectedRevision): void {
  if (expected === 'any' || expected === 'no_stream') return;
  nonNegativeInteger(expected, 'expected revision');
}

export function integer(value: number, name: string): number {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${name} must be an integer, got ${String(value)}`);
  return value;
}

export function nonNegativeInteger(value: number, name: string): number {
  if (integer(value, name) < 0) throw new RangeError(`${name} must be ≥ 0, got ${value}`);
  return value;
}

export function positiveInteger(value: number, name: string): number {
  if (integer(value, name) < 1) throw new RangeError(`${name} must be ≥ 1, got ${value}`);
  return value;
}
