// Validates one event envelope (HTTP body, batch item or JSONL line) into the
// application's input, or lists every bad field.
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { isEmittedEventType, isReservedEventType, type CustomerEventBody, type EmittedEventType, type EventDataByType, type EventMetadata } from '@rapport/domain';
import { DATA_DTO_BY_TYPE, EventEnvelopeDto, EventMetadataDto } from './event-envelope.dto';
import { fieldErrors, type FieldError } from './field-errors';
import { reservedKeyErrors } from './reserved-keys';
import { cacheValidationMetadata } from './validation-metadata.cache';

cacheValidationMetadata();

/** A type an emitter may send, with its payload. */
export type EmittedEventBody = Extract<CustomerEventBody, { type: EmittedEventType }>;

export type ValidEnvelope = EmittedEventBody & {
  readonly customerId: string;
  readonly eventId?: string;
  readonly occurredAt: string;
  readonly metadata: EventMetadata;
};

export type EnvelopeValidation =
  | { readonly ok: true; readonly value: ValidEnvelope }
  /** `reserved`: the type is one only Rapport records (RESERVED_EVENT_TYPE), whatever else is wrong. */
  | { readonly ok: false; readonly errors: readonly FieldError[]; readonly reserved?: true };

const STRICT = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true } as const;

/**
 * @param customerId the customer named by the URL, if any; a body that names
 *   another customer is refused rather than silently redirected.
 */
export function validateEnvelope(body: unknown, customerId?: string): EnvelopeValidation {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, errors: [{ field: '', message: 'an event must be a JSON object' }] };
  }
  const reserved = reservedKeyErrors(body);
  if (reserved.length > 0) return { ok: false, errors: reserved };
  const { type } = body as { type?: unknown };
  if (isReservedEventType(type)) {
    return { ok: false, reserved: true, errors: [{ field: 'type', message: `${type} is recorded only by Rapport itself, never sent by an emitter` }] };
  }
  const errors: FieldError[] = [];
  const envelope = plainToInstance(EventEnvelopeDto, body);
  errors.push(...fieldErrors(validateSync(envelope, STRICT)));

  const raw = body as Record<string, unknown>;
  const target = customerId ?? (typeof raw.customerId === 'string' ? raw.customerId : undefined);
  if (customerId !== undefined && raw.customerId !== undefined && raw.customerId !== customerId) {
    errors.push({ field: 'customerId', message: 'customerId in the body differs from the one in the URL' });
  }
  if (target === undefined && !errors.some((e) => e.field === 'customerId')) {
    errors.push({ field: 'customerId', message: 'customerId is required' });
  }

  const checked = isEmittedEventType(envelope.type) && isPlainObject(raw.data) ? checkedBody(envelope.type, raw.data) : undefined;
  errors.push(...(checked?.errors ?? []));
  const sentMetadata = isPlainObject(raw.metadata) ? raw.metadata : undefined;
  const metadata = sentMetadata && plainToInstance(EventMetadataDto, sentMetadata);
  if (metadata) errors.push(...fieldErrors(validateSync(metadata, STRICT), 'metadata'));
  // Every way to miss `checked` or `target` has added an error; the test is for the compiler.
  if (errors.length > 0 || checked === undefined || target === undefined) return { ok: false, errors };

  return {
    ok: true,
    value: {
      customerId: target,
      ...(envelope.eventId !== undefined ? { eventId: envelope.eventId.toLowerCase() } : {}),
      ...checked.value,
      occurredAt: envelope.occurredAt,
      metadata: metadata && sentMetadata ? sentFields(metadata, sentMetadata) : {},
    },
  };
}

/** One type and its payload; `{[P in K]: …}[K]` keeps the type and its data paired for a generic K. */
type BodyOf<K extends EmittedEventType> = { [P in K]: { type: P; data: EventDataByType[P] } }[K];

/** The payload checked by its type's DTO, typed as that type's domain data. */
function checkedBody<K extends EmittedEventType>(type: K, sent: Record<string, unknown>): { errors: FieldError[]; value: BodyOf<K> } {
  const data = plainToInstance(DATA_DTO_BY_TYPE[type], sent);
  return { errors: fieldErrors(validateSync(data, STRICT), 'data'), value: { type, data: sentFields(data, sent) } };
}

/**
 * The validated instance as a plain object of the fields the sender gave, in
 * the sender's order. Class fields exist on every instance as own `undefined`s,
 * which must not reach the log; whitelisting has refused any other key, so
 * `sent` names only the instance's fields. The one cast between validation and
 * the domain, and a sound one: every field of T that is absent is optional.
 */
function sentFields<T extends object>(validated: T, sent: object): T {
  const fields = validated as Record<string, unknown>;
  return Object.fromEntries(Object.keys(sent).map((key) => [key, structuredClone(fields[key])])) as T;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
