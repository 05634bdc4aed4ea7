// The shape of an event type's payload schema: the version today's code writes
// and how older versions are brought to it (event-schemas.ts applies them).

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

/** A type whose payload has not changed since versions existed. */
export const UNCHANGED_SCHEMA: EventSchema = { current: FIRST_SCHEMA_VERSION, upcasters: {} };
