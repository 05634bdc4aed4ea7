// Which version of each event type today's code writes, and how older
// versions are brought to it. Applied on the read path only: the log keeps what
// was recorded (and hashed), every reader of domain events sees today's shape.
import type { CustomerEventType, EventDataByType } from '../events';
import { upcastPurchasedV1, type PurchasedDataV1 } from './purchased-v1.upcaster';
import { UpcastError } from './upcast-error';

/** Turns the payload of version n into that of version n + 1. Pure, and never changes personal fields (audit replays them sealed). */
export type Upcaster = (data: unknown) => unknown;

export interface EventSchema {
  /** The version today's writers record and every reader receives. */
  readonly current: number;
  /** `upcasters[n]` takes version n to n + 1, for every n below `current`. */
  readonly upcasters: Readonly<Record<number, Upcaster>>;
}

/** An event recorded without a version is version 1: everything recorded before versions existed. */
export const FIRST_SCHEMA_VERSION = 1;

const UNCHANGED: EventSchema = { current: FIRST_SCHEMA_VERSION, upcasters: {} };

/** A mapped type, so a new event type does not compile until it declares its schema. */
export const EVENT_SCHEMAS: { readonly [K in CustomerEventType]: EventSchema } = {
  identified: UNCHANGED,
  contacted: UNCHANGED,
  qualified: UNCHANGED,
  // v2: amount is integer minor units only (v1 also held decimal strings of major units).
  purchased: { current: 2, upcasters: { 1: (data) => upcastPurchasedV1(data as PurchasedDataV1) } },
  complained: UNCHANGED,
  complaint_resolved: UNCHANGED,
  churned: UNCHANGED,
  won_back: UNCHANGED,
  personal_data_erased: UNCHANGED,
};

/** The version a writer records for this type today. */
export function currentSchemaVersion(type: CustomerEventType): number {
  return schemaOf(type).current;
}

/**
 * The payload of a `type` event recorded at `version`, in today's shape.
 * Throws UpcastError for a version newer than this build (a log written by a
 * later release) or one it cannot have recorded.
 */
export function upcastEventData<K extends CustomerEventType>(type: K, version: number, data: unknown): EventDataByType[K] {
  const schema = schemaOf(type);
  if (!Number.isSafeInteger(version) || version < FIRST_SCHEMA_VERSION) throw new UpcastError(`${type}: schema version ${String(version)} is not a version`);
  if (version > schema.current) {
    throw new UpcastError(`${type}: schema version ${version} is newer than this build reads (${schema.current}); upgrade before reading this log`);
  }
  let upcast = data;
  for (let from = version; from < schema.current; from++) {
    const step = schema.upcasters[from];
    if (!step) throw new UpcastError(`${type}: no upcaster from schema version ${from}`);
    upcast = step(upcast);
  }
  return upcast as EventDataByType[K];
}

function schemaOf(type: CustomerEventType): EventSchema {
  // The log may hold a type this build does not know (written by a later one).
  if (!Object.hasOwn(EVENT_SCHEMAS, type)) throw new UpcastError(`unknown event type ${JSON.stringify(type)}`);
  return EVENT_SCHEMAS[type];
}
