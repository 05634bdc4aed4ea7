// The HTTP/CLI edge's input contract: class-validator DTOs for the event
// envelope and each type's payload. Nothing past this edge sees unchecked input.
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsISO4217CurrencyCode,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateIf,
  ValidationOptions,
  buildMessage,
} from 'class-validator';
import {
  CHANNELS,
  CHURN_REASONS,
  CONTACT_OUTCOMES,
  CUSTOMER_ID_PATTERN,
  DIRECTIONS,
  EMITTED_EVENT_TYPES,
  SEVERITIES,
  WIN_BACK_VIA,
  type EmittedEventType,
} from '@rapport/domain';
import { IsInstant } from './is-instant.decorator';

const ID_LENGTH = 128;
const TEXT_LENGTH = 2000;

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
          Object.keys(value).length <= 100 &&
          Object.entries(value).every(([k, v]) => k.length > 0 && k.length <= 64 && typeof v === 'string' && v.length <= 1000),
        defaultMessage: buildMessage((prefix) => `${prefix}$property must be a flat map of up to 100 string values`, options),
      },
    },
    options,
  );
}

export class IdentifiedDataDto {
  @IsOptional() @IsString() @Length(1, 200) name?: string;
  @IsOptional() @IsEmail() @MaxLength(254) email?: string;
  @IsOptional() @IsString() @Matches(/^[+0-9 ().-]{3,32}$/, { message: 'phone must be 3–32 digits, spaces, +, -, (, ) or .' })
  phone?: string;
  @IsOptional() @IsFlatStringMap() attributes?: Record<string, string>;
}

export class ContactedDataDto {
  @IsIn(CHANNELS) channel!: string;
  @IsIn(DIRECTIONS) direction!: string;
  @IsOptional() @IsString() @Length(1, ID_LENGTH) campaignId?: string;
  @IsOptional() @IsString() @Length(1, ID_LENGTH) offerId?: string;
  @IsOptional() @IsIn(CONTACT_OUTCOMES) outcome?: string;
}

export class QualifiedDataDto {
  @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(100) score!: number;
  @IsOptional() @IsString() @MaxLength(TEXT_LENGTH) reason?: string;
}

export class PurchasedDataDto {
  @IsString() @Length(1, ID_LENGTH) orderId!: string;
  @IsInt({ message: 'amount must be an integer number of minor units' })
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  amount!: number;
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an upper-case ISO 4217 code such as USD' })
  @IsISO4217CurrencyCode()
  currency!: string;
  @IsOptional() @IsString() @Length(1, ID_LENGTH) campaignId?: string;
  @IsOptional() @IsString() @Length(1, ID_LENGTH) offerId?: string;
}

export class ComplainedDataDto {
  @IsString() @Length(1, ID_LENGTH) complaintId!: string;
  @IsString() @Length(1, 100) category!: string;
  @IsIn(SEVERITIES) severity!: string;
  @IsOptional() @IsString() @MaxLength(TEXT_LENGTH) description?: string;
}

export class ComplaintResolvedDataDto {
  @IsString() @Length(1, ID_LENGTH) complaintId!: string;
  @IsString() @Length(1, TEXT_LENGTH) resolution!: string;
  @IsOptional() @IsBoolean() satisfied?: boolean;
}

export class ChurnedDataDto {
  @IsIn(CHURN_REASONS) reason!: string;
  @IsOptional() @IsString() @MaxLength(TEXT_LENGTH) note?: string;
}

export class WonBackDataDto {
  @IsIn(WIN_BACK_VIA) via!: string;
  @IsOptional() @IsString() @Length(1, ID_LENGTH) campaignId?: string;
  @IsOptional() @IsString() @Length(1, ID_LENGTH) offerId?: string;
}

export const DATA_DTO_BY_TYPE: Record<EmittedEventType, new () => object> = {
  identified: IdentifiedDataDto,
  contacted: ContactedDataDto,
  qualified: QualifiedDataDto,
  purchased: PurchasedDataDto,
  complained: ComplainedDataDto,
  complaint_resolved: ComplaintResolvedDataDto,
  churned: ChurnedDataDto,
  won_back: WonBackDataDto,
};

/** What an emitter may say about an event's context; `actor` comes from the credential. */
export class EventMetadataDto {
  @IsOptional() @IsString() @Length(1, ID_LENGTH) correlationId?: string;
  @IsOptional() @IsString() @Length(1, ID_LENGTH) causationId?: string;
  @IsOptional() @IsString() @Length(1, ID_LENGTH) source?: string;
}

/**
 * The envelope an emitter sends. `recordedAt`, `revision`, `hash` and
 * `metadata.actor` are the server's to set: a body naming them is refused.
 */
export class EventEnvelopeDto {
  // Not @IsOptional: that lets null through, and a null eventId must be refused, not crash later.
  @ValidateIf((envelope: EventEnvelopeDto) => envelope.eventId !== undefined) @IsUUID('all') eventId?: string;
  @IsIn(EMITTED_EVENT_TYPES, { message: `type must be one of ${EMITTED_EVENT_TYPES.join(', ')}` }) type!: string;
  @IsOptional() @IsString() @Matches(CUSTOMER_ID_PATTERN, { message: 'customerId must be 1–64 characters of A-Z a-z 0-9 _ . : -' })
  customerId?: string;
  @IsInstant() occurredAt!: string;
  @IsObject() data!: Record<string, unknown>;
  @IsOptional() @IsObject() metadata?: Record<string, unknown>;
}
