// Which fields of which events are personal data (SPEC: name, email, phone,
// free-text descriptions and notes). The log stores these sealed with a
// per-customer key; erasing the customer destroys the key. Everything else
// (orders, amounts, stages, categories) stays readable, so the history and the
// analytics survive an erasure.
import { EVENT_CATALOGUE, type CustomerEventType, type EventTypeEntry } from './events';

/** Each type's personal fields, as its catalogue row lists them. */
export const PERSONAL_FIELDS: { readonly [K in CustomerEventType]: EventTypeEntry<K>['personalFields'] } = Object.fromEntries(
  Object.entries(EVENT_CATALOGUE).map(([type, entry]) => [type, entry.personalFields]),
) as { readonly [K in CustomerEventType]: EventTypeEntry<K>['personalFields'] };

export function personalFieldsOf(type: CustomerEventType): readonly string[] {
  return PERSONAL_FIELDS[type];
}

/** The personal fields present in an event's data. */
export function personalFieldsIn(type: CustomerEventType, data: unknown): string[] {
  if (typeof data !== 'object' || data === null) return [];
  return personalFieldsOf(type).filter((field) => (data as Record<string, unknown>)[field] !== undefined);
}

/** The data split into its personal fields and the rest. */
export function splitPersonalData(
  type: CustomerEventType,
  data: object,
): { readonly personal: Record<string, unknown>; readonly other: Record<string, unknown> } {
  const personal: Record<string, unknown> = {};
  const other: Record<string, unknown> = {};
  const fields = personalFieldsOf(type);
  for (const [key, value] of Object.entries(data)) {
    if (fields.includes(key)) personal[key] = value;
    else other[key] = value;
  }
  return { personal, other };
}

/** The data as it reads once the customer's personal data is erased. */
export function withoutPersonalData<T extends object>(type: CustomerEventType, data: T): T {
  return splitPersonalData(type, data).other as T;
}
