// The HTTP/CLI edge's input contract: class-validator DTOs for the event
// envelope and each type's payload. Nothing past this edge sees unchecked input.
// Each payload DTO is exactly its domain type (checked below at compile time),
// and its decorators generate the OpenAPI schema, so the domain type, the
// validator and the document are one definition.
import { ApiProperty, getSchemaPath } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { IsObject, IsUUID, ValidateBy, ValidateIf, ValidationOptions, buildMessage } from 'class-validator';
import {
  CHANNELS,
  CONSENT_CHANNELS,
  CONSENT_PURPOSES,
  CHURN_REASONS,
  CONTACT_OUTCOMES,
  CUSTOMER_ID_PATTERN,
  DIRECTIONS,
  EMITTED_EVENT_TYPES,
  SEVERITIES,
  WIN_BACK_VIA,
  type Channel,
  type ChurnedData,
  type ChurnReason,
  type ComplainedData,
  type ComplaintResolvedData,
  type ContactedData,
  type ContactOutcome,
  type Direction,
  type EmittedEventType,
  type EventDataByType,
  type EventMetadata,
  type IdentifiedData,
  type PurchasedData,
  type QualifiedData,
  type Severity,
  type WinBackVia,
  type WonBackData,
  type ConsentChangedData,
  type ConsentChannel,
  type ConsentPurpose,
} from '@rapport/domain';
import {
  BooleanField,
  ClosedSchema,
  CurrencyField,
  CustomField,
  EmailField,
  EnumField,
  IntegerField,
  NumberField,
  TextField,
} from './api-field.decorator';
import { InstantField } from './is-instant.decorator';

const ID_LENGTH = 128;
const TEXT_LENGTH = 2000;
const ATTRIBUTES = { maxEntries: 100, maxKeyLength: 64, maxValueLength: 1000 } as const;

/** A flat map of string to string: the `attributes` of an identification. */
export function IsFlatStringMap(options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isFlatStringMap',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Object.keys(value).length <= ATTRIBUTES.maxEntries &&
          Object.entries(value).every(
            ([k, v]) => k.length > 0 && k.length <= ATTRIBUTES.maxKeyLength && typeof v === 'string' && v.length <= ATTRIBUTES.maxValueLength,
          ),
        defaultMessage: buildMessage((prefix) => `${prefix}$property must be a flat map of up to 100 string values`, options),
      },
    },
    options,
  );
}

const idField = <O extends boolean = false>(options: { optional?: O } = {}) => TextField<O>({ ...options, minLength: 1, maxLength: ID_LENGTH });

@ClosedSchema('IdentifiedData')
export class IdentifiedDataDto implements IdentifiedData {
  @TextField({ optional: true, minLength: 1, maxLength: 200 }) name?: string;
  @EmailField({ optional: true, maxLength: 254 }) email?: string;
  @TextField({ optional: true, pattern: /^[+0-9 ().-]{3,32}$/, message: 'phone must be 3–32 digits, spaces, +, -, (, ) or .' })
  phone?: string;
  @CustomField<Record<string, string>, true>(
    {
      type: 'object',
      additionalProperties: { type: 'string', maxLength: ATTRIBUTES.maxValueLength },
      maxProperties: ATTRIBUTES.maxEntries,
      description: `A flat map of string values; keys are 1–${ATTRIBUTES.maxKeyLength} characters.`,
    },
    { optional: true },
    IsFlatStringMap(),
  )
  attributes?: Record<string, string>;
}

@ClosedSchema('ContactedData')
export class ContactedDataDto implements ContactedData {
  @EnumField(CHANNELS) channel!: Channel;
  @EnumField(DIRECTIONS) direction!: Direction;
  @idField({ optional: true }) campaignId?: string;
  @idField({ optional: true }) offerId?: string;
  @idField({ optional: true }) actionId?: string;
  @EnumField(CONTACT_OUTCOMES, { optional: true }) outcome?: ContactOutcome;
}

@ClosedSchema('QualifiedData')
export class QualifiedDataDto implements QualifiedData {
  @NumberField({ minimum: 0, maximum: 100 }) score!: number;
  @TextField({ optional: true, maxLength: TEXT_LENGTH }) reason?: string;
}

@ClosedSchema('PurchasedData')
export class PurchasedDataDto implements PurchasedData {
  @idField() orderId!: string;
  @IntegerField({
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    message: 'amount must be an integer number of minor units',
    description: 'Integer minor units (cents); 0 is a free order, still an order.',
  })
  amount!: number;
  @CurrencyField() currency!: string;
  @idField({ optional: true }) campaignId?: string;
  @idField({ optional: true }) offerId?: string;
}

@ClosedSchema('ComplainedData')
export class ComplainedDataDto implements ComplainedData {
  @idField() complaintId!: string;
  @TextField({ minLength: 1, maxLength: 100 }) category!: string;
  @EnumField(SEVERITIES) severity!: Severity;
  @TextField({ optional: true, maxLength: TEXT_LENGTH }) description?: string;
}

@ClosedSchema('ComplaintResolvedData')
export class ComplaintResolvedDataDto implements ComplaintResolvedData {
  @idField() complaintId!: string;
  @TextField({ minLength: 1, maxLength: TEXT_LENGTH }) resolution!: string;
  @BooleanField({ optional: true }) satisfied?: boolean;
}

@ClosedSchema('ChurnedData')
export class ChurnedDataDto implements ChurnedData {
  @EnumField(CHURN_REASONS) reason!: ChurnReason;
  @TextField({ optional: true, maxLength: TEXT_LENGTH }) note?: string;
}

@ClosedSchema('WonBackData')
export class WonBackDataDto implements WonBackData {
  @EnumField(WIN_BACK_VIA) via!: WinBackVia;
  @idField({ optional: true }) campaignId?: string;
  @idField({ optional: true }) offerId?: string;
}

@ClosedSchema('ConsentChangedData')
export class ConsentChangedDataDto implements ConsentChangedData {
  @EnumField(CONSENT_CHANNELS) channel!: ConsentChannel;
  @EnumField(CONSENT_PURPOSES) purpose!: ConsentPurpose;
  @BooleanField() granted!: boolean;
  @idField({ optional: true }) source?: string;
}

const DATA_DTOS = {
  identified: IdentifiedDataDto,
  contacted: ContactedDataDto,
  qualified: QualifiedDataDto,
  purchased: PurchasedDataDto,
  complained: ComplainedDataDto,
  complaint_resolved: ComplaintResolvedDataDto,
  churned: ChurnedDataDto,
  won_back: WonBackDataDto,
  consent_changed: ConsentChangedDataDto,
} as const;

/** Each emitted type's payload DTO; its instances are the domain's data type for that type. */
export const DATA_DTO_BY_TYPE: { readonly [K in EmittedEventType]: new () => EventDataByType[K] } = DATA_DTOS;

// `implements` lets a DTO omit an optional field the domain type gained, or
// narrow a field's type. This does not: a DTO that is not exactly its domain
// type fails to compile here, naming the event type.
type Same<A, B> = (<G>() => G extends A ? 1 : 2) extends <G>() => G extends B ? 1 : 2 ? true : false;
type DriftedDto = {
  [K in EmittedEventType]: Same<InstanceType<(typeof DATA_DTOS)[K]>, EventDataByType[K]> extends true ? never : K;
}[EmittedEventType];
const _everyDtoIsItsDomainType: [DriftedDto] extends [never] ? true : DriftedDto = true;

/** The metadata only the server records: `actor` comes from the credential, the trace context from the active span. */
type ServerMetadata = 'actor' | 'traceparent' | 'tracestate';

/** What an emitter may say about an event's context; `actor` comes from the credential. */
@ClosedSchema('EventMetadata')
export class EventMetadataDto implements Omit<EventMetadata, ServerMetadata> {
  @idField({ optional: true }) correlationId?: string;
  @idField({ optional: true }) causationId?: string;
  @idField({ optional: true }) source?: string;
}
type DriftedMetadata = Same<EventMetadataDto, Omit<EventMetadata, ServerMetadata>> extends true ? never : 'metadata';
const _metadataIsTheDomainType: [DriftedMetadata] extends [never] ? true : DriftedMetadata = true;

/**
 * The envelope an emitter sends. `recordedAt`, `revision`, `hash` and
 * `metadata.actor` are the server's to set: a body naming them is refused.
 * `data` is checked by the type's DTO (DATA_DTO_BY_TYPE); the document
 * describes one envelope per type (EVENT_SCHEMA_BY_TYPE).
 */
@ClosedSchema('EventEnvelope')
export class EventEnvelopeDto {
  // Not @IsOptional: that lets null through, and a null eventId must be refused, not crash later.
  @ValidateIf((envelope: EventEnvelopeDto) => envelope.eventId !== undefined)
  @IsUUID('all')
  @ApiProperty({ type: 'string', format: 'uuid', required: false, description: 'Given by the emitter for idempotency (stored lower-case); else assigned' })
  eventId?: string;
  @EnumField(EMITTED_EVENT_TYPES, { message: `type must be one of ${EMITTED_EVENT_TYPES.join(', ')}` }) type!: EmittedEventType;
  @TextField({
    optional: true,
    pattern: CUSTOMER_ID_PATTERN,
    message: 'customerId must be 1–64 characters of A-Z a-z 0-9 _ . : -',
    description: 'Required in a batch item; on the single-event route it must equal the path',
  })
  customerId?: string;
  @InstantField({ description: 'Business time: a real RFC 3339 instant with an offset, from 1900 on; at most 5 minutes ahead' })
  occurredAt!: string;
  @IsObject() @ApiProperty({ type: Object, description: "The type's payload" }) data!: object;
  @ValidateIf((envelope: EventEnvelopeDto) => envelope.metadata !== undefined)
  @IsObject()
  @ApiProperty({ type: () => EventMetadataDto, required: false })
  metadata?: object;
}

/** The envelope of one type, for the document only: `type` is that type and `data` its DTO. */
function eventSchemaOf(type: EmittedEventType): new () => EventEnvelopeDto {
  const name = `${type.replace(/(?:^|_)([a-z])/g, (_match, letter: string) => letter.toUpperCase())}Event`;
  class TypedEventEnvelope extends EventEnvelopeDto {}
  // Applied by hand: a subclass cannot re-declare a field only to decorate it.
  ApiProperty({ type: 'string', enum: [type] })(TypedEventEnvelope.prototype, 'type');
  ApiProperty({ type: () => DATA_DTOS[type] })(TypedEventEnvelope.prototype, 'data');
  ClosedSchema(name, `A \`${type}\` event`)(TypedEventEnvelope);
  return TypedEventEnvelope;
}

/** The OpenAPI schema classes of the envelope, one per emitted type, in EMITTED_EVENT_TYPES order; register them with @ApiExtraModels. */
export const EVENT_SCHEMAS: readonly (new () => EventEnvelopeDto)[] = EMITTED_EVENT_TYPES.map(eventSchemaOf);

/** The schema of one event in a request body: the envelope of its type, told apart by `type`. */
export function eventBodySchema(): SchemaObject {
  return {
    oneOf: EVENT_SCHEMAS.map((schema) => ({ $ref: getSchemaPath(schema) })),
    discriminator: {
      propertyName: 'type',
      mapping: Object.fromEntries(EMITTED_EVENT_TYPES.map((type, i) => [type, getSchemaPath(EVENT_SCHEMAS[i]!)])),
    },
  };
}

/** The body of POST /v1/events: up to `maxItems` events, each naming its customer. */
export function eventBatchBodySchema(maxItems: number): SchemaObject {
  return {
    type: 'object',
    required: ['events'],
    additionalProperties: false,
    properties: {
      events: { type: 'array', maxItems, items: { allOf: [eventBodySchema(), { type: 'object', required: ['customerId'] }] } },
    },
  };
}
