import { isCustomerId } from '@rapport/domain';
import { validationFailed } from './problem';

/** Refuses a malformed customerId in a path before it reaches a store. */
export function assertCustomerId(customerId: string): void {
  if (!isCustomerId(customerId)) {
    throw validationFailed([{ field: 'customerId', message: 'customerId must be 1–64 characters of A-Z a-z 0-9 _ . : -' }]);
  }
}
