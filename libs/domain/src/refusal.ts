// Refusals are values with stable codes; the HTTP edge maps them to RFC 9457.
export const REFUSAL_CODES = [
  'NOT_A_CUSTOMER',
  'ALREADY_CHURNED',
  'NOT_CHURNED',
  'COMPLAINT_NOT_OPEN',
  'CONFLICTING_DUPLICATE',
  'FUTURE_EVENT',
  'CUSTOMER_NOT_FOUND',
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

export interface Refusal {
  readonly code: RefusalCode;
  readonly message: string;
}

export function refusal(code: RefusalCode, message: string): Refusal {
  return { code, message };
}
