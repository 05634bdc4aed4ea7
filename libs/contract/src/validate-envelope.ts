// Validates one event envelope (HTTP body, batch item or JSONL line) into the
// application's input, or lists every bad field.
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { isEmittedEventType, type CustomerEventBody, type EventMetadata } from '@rapport/domain';
import { DATA_DTO_BY_TYPE, EventEnvelopeDto, EventMetadataDto } from './event-envelope.dto';
import { reservedKeyErrors } from './reserved-keys';

export interface FieldError {
  /** Dotted path of the field, e.g. `data.amount`. */
  readonly field: string;
  readonly message: string;
}

export type ValidEnvelope = CustomerEventBody & {
  readonly customerId: string;
  readonly eventId?: string;
  readonly occurredAt: string;
  readonly metadata: EventMetadata;
};

export type EnvelopeValidation =
  | { readonly ok: true; readonly value: ValidEnvelope }
  | { readonly ok: false; readonly errors: readonly FieldError[] };

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
  const errors: FieldError[] = [];
  const envelope = plainToInstance(EventEnvelopeDto, body);
  errors.push(...flatten(validateSync(envelope, STRICT)));

  const raw = body as Record<string, unknown>;
  const target = customerId ?? (typeof raw.customerId === 'string' ? raw.customerId : undefined);
  if (customerId !== undefined && raw.customerId !== undefined && raw.customerId !== customerId) {
    errors.push({ field: 'customerId', message: 'customerId in the body differs from the one in the URL' });
  }
  if (target === undefined && !errors.some((e) => e.field === 'customerId')) {
    errors.push({ field: 'customerId', message: 'customerId is required' });
  }

  if (isEmittedEventType(raw.type) && isPlainObject(raw.data)) {
    const data = plainToInstance(DATA_DTO_BY_TYPE[raw.type], raw.data);
    errors.push(...flatten(validateSync(data, STRICT), 'data'));
  }
  if (isPlainObject(raw.metadata)) {
    const metadata = plainToInstance(EventMetadataDto, raw.metadata);
    errors.push(...flatten(validateSync(metadata, STRICT), 'metadata'));
  }
  if (errors.length > 0) return { ok: false, errors };

  const metadata = (raw.metadata ?? {}) as EventMetadata;
  return {
    ok: true,
    value: {
      customerId: target!,
      ...(raw.eventId !== undefined ? { eventId: (raw.eventId as string).toLowerCase() } : {}),
      type: raw.type,
      occurredAt: raw.occurredAt,
      data: structuredClone(raw.data),
      metadata: { ...metadata },
    } as ValidEnvelope,
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function flatten(errors: readonly ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message: message.replace(/^property (\S+) should not exist$/, 'unknown field $1'),
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}
