// The write routes' answers as the OpenAPI document shows them (the routes
// answer outcome.mapper's writtenBody and the batch results; these classes only
// describe them).
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { eventBodySchema } from '@rapport/contract';
import { EVENT_TYPES } from '@rapport/domain';

export class RecordedEventDto {
  @ApiProperty({ format: 'uuid', example: '6f1c2a4e-8b3d-4c5e-9f70-123456789abc' })
  eventId!: string;

  @ApiProperty({ enum: EVENT_TYPES, example: 'contacted' })
  type!: string;

  @ApiProperty({ example: 'ada' })
  customerId!: string;

  @ApiProperty({ description: 'customer-<customerId>', example: 'customer-ada' })
  stream!: string;

  @ApiProperty({ description: 'Business time, exactly as sent (RFC 3339)', example: '2026-03-22T10:00:00Z' })
  occurredAt!: string;

  @ApiProperty({ description: "The server's UTC clock when the log accepted the event", example: '2026-11-24T14:50:04.290Z' })
  recordedAt!: string;

  @ApiProperty({ type: 'integer', minimum: 0, description: "0-based place in the customer's stream", example: 10 })
  revision!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Place in the whole log', example: 13 })
  position!: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 2, description: 'Payload schema version, when not 1 (audit history only)' })
  schemaVersion?: number;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: "The event's data (absent from a duplicate's answer: a writer is not told what an event it did not record holds)",
    example: { channel: 'phone', direction: 'inbound', outcome: 'interested' },
  })
  data?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'actor (who recorded it), and the correlationId, causationId and source sent (absent from a duplicate’s answer)',
    example: { actor: 'anonymous' },
  })
  metadata?: Record<string, unknown>;

  @ApiProperty({ description: 'SPEC section 7 chain hash (hex SHA-256)', example: '6ca78733d4aaa3e161a97f61a52f317bc7e5eae1c38508be35c3537174a68383' })
  hash!: string;

  @ApiPropertyOptional({ enum: ['sealed', 'erased'], description: 'Audit history only: the event carries personal data, sealed, or erased with its key' })
  personalData?: 'sealed' | 'erased';
}

export class EventWrittenDto {
  @ApiProperty({ example: 'ada' })
  customerId!: string;

  @ApiProperty({ description: 'True when nothing was recorded: the event was already in the log' })
  duplicate!: boolean;

  @ApiProperty({ type: 'integer', description: "The stream's revision after the write (a duplicate: the original's)", example: 10 })
  revision!: number;

  @ApiProperty({ type: [RecordedEventDto], description: 'The events recorded (a purchase may also record an implicit won_back), or the original a duplicate repeats' })
  events!: RecordedEventDto[];

  @ApiProperty({ description: 'Pass as ?consistentWith= to read this write back', example: 'c1.13' })
  consistencyToken!: string;
}

export class BatchItemErrorDto {
  @ApiProperty({ example: 'VALIDATION_FAILED', description: 'VALIDATION_FAILED, RESERVED_EVENT_TYPE, a rule code, FUTURE_EVENT, CONCURRENCY_EXHAUSTED or STORAGE_FULL' })
  code!: string;

  @ApiProperty()
  message!: string;

  @ApiPropertyOptional({ type: () => [BatchFieldErrorDto], description: 'VALIDATION_FAILED: each bad field' })
  errors?: BatchFieldErrorDto[];
}

export class BatchFieldErrorDto {
  @ApiProperty({ example: 'data.amount' })
  field!: string;

  @ApiProperty()
  message!: string;
}

export class BatchItemResultDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: "The item's index in events" })
  index!: number;

  @ApiProperty({ type: String, nullable: true, description: 'Recorded: its id; duplicate: the original’s; rejected: the id the item gave, else null' })
  eventId!: string | null;

  @ApiProperty({ enum: ['recorded', 'duplicate', 'rejected'] })
  status!: 'recorded' | 'duplicate' | 'rejected';

  @ApiPropertyOptional({ type: 'integer', description: "Recorded: the item's event's revision; duplicate: the original's" })
  revision?: number;

  @ApiPropertyOptional({ type: BatchItemErrorDto, description: 'Rejected: why' })
  error?: BatchItemErrorDto;
}

export class BatchWrittenDto {
  @ApiProperty({ type: [BatchItemResultDto], description: 'One per item, in order' })
  results!: BatchItemResultDto[];

  @ApiProperty({ description: 'Covers the highest position among recorded and duplicate items' })
  consistencyToken!: string;
}

export class ErasureDto {
  @ApiProperty({ example: 'ada-1' })
  customerId!: string;

  @ApiProperty({ description: 'True once the keys are destroyed; false with code ERASURE_PENDING (202)' })
  erased!: boolean;

  @ApiPropertyOptional({ enum: ['ERASURE_PENDING'], description: '202 only' })
  code?: 'ERASURE_PENDING';

  @ApiPropertyOptional({ description: '202 only: what is pending' })
  detail?: string;

  @ApiProperty({ description: 'Nothing personal was recorded since the last erasure: nothing new recorded' })
  duplicate!: boolean;

  @ApiProperty({ type: 'integer' })
  revision!: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  keysDestroyed!: number;

  @ApiProperty({ type: [RecordedEventDto], description: 'The personal_data_erased event' })
  events!: RecordedEventDto[];

  @ApiProperty()
  consistencyToken!: string;
}

/**
 * The batch body as the document shows it: each item one of the event
 * envelopes, with customerId required. (Each envelope under allOf with the
 * requirement, rather than the discriminated union under allOf, so that
 * generated clients keep the union: the validators are the same.)
 */
export function batchBodySchema(maxItems: number): SchemaObject {
  const union = eventBodySchema().oneOf ?? [];
  const named: SchemaObject = { type: 'object', properties: { customerId: { type: 'string' } }, required: ['customerId'] };
  return {
    type: 'object',
    required: ['events'],
    additionalProperties: false,
    properties: { events: { type: 'array', maxItems, items: { oneOf: union.map((envelope) => ({ allOf: [envelope, named] })) } } },
  };
}
