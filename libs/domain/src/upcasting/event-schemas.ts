// Which version of each event type today's code writes (its EVENT_CATALOGUE
// row), and how older versions are brought to it. Applied on the read path
// only: the log keeps what was recorded (and hashed), every reader of domain
// events sees today's shape.
import { EVENT_CATALOGUE, type CustomerEventType, type EventDataByType } from '../events';
import { FIRST_SCHEMA_VERSION, type EventSchema } from './event-schema';
import { UpcastError } from './upcast-error';

export { FIRST_SCHEMA_VERSION, UNCHANGED_SCHEMA, type EventSchema, type Upcaster } from './event-schema';

/** Each type's schema, as its catalogue row declares it. */
export const EVENT_SCHEMAS: { readonly [K in CustomerEventType]: EventSchema } = Object.fromEntries(
  Object.entries(EVENT_CATALOGUE).map(([type, entry]) => [type, entry.schema]),
) as { readonly [K in CustomerEventType]: EventSchema };

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
