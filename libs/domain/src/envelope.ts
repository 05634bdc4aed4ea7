import type { CustomerEvent } from './events';

/** An event as the log recorded it (SPEC section 3's envelope plus the chain hash). */
export type RecordedCustomerEvent = CustomerEvent & {
  readonly customerId: string;
  readonly recordedAt: string;
  /** 0-based position in the customer's stream. */
  readonly revision: number;
  /** Position in the whole log. */
  readonly position: number;
  readonly hash: string;
};
