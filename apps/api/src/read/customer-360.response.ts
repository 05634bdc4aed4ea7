// The customer reads' answers as the OpenAPI document shows them (the routes
// answer the read models' documents; these classes only describe them).
import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { PURCHASE_MODELS, RFM_SEGMENTS } from '@rapport/analytics';
import {
  ACKNOWLEDGEMENT_STATUSES,
  CHANNELS,
  CHURN_REASONS,
  CONSENT_CHANNELS,
  CONSENT_PURPOSES,
  CONTACT_OUTCOMES,
  DIRECTIONS,
  EVENT_TYPES,
  SEVERITIES,
  STAGES,
  WIN_BACK_VIA,
} from '@rapport/domain';
import { ModelSelectionDto, PredictionIntervalsDto } from '../analytics/prediction-report.dto';

export class SpendDto {
  @ApiProperty({ type: 'integer', description: 'Orders paid in this currency' })
  orders!: number;

  @ApiProperty({ type: 'integer', description: 'Sum of amounts, integer minor units' })
  amount!: number;
}

export class PurchasesDto {
  @ApiProperty({ type: 'integer', description: 'Distinct orders' })
  count!: number;

  @ApiProperty({ type: 'object', additionalProperties: { $ref: '#/components/schemas/SpendDto' }, description: 'By ISO 4217 currency', example: { USD: { orders: 2, amount: 4200 } } })
  byCurrency!: Record<string, SpendDto>;

  @ApiProperty({ type: String, nullable: true, description: 'occurredAt of the first purchase' })
  firstAt!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'occurredAt of the last purchase' })
  lastAt!: string | null;
}

export class OpenComplaintDto {
  @ApiProperty() complaintId!: string;
  @ApiProperty() category!: string;
  @ApiProperty({ enum: SEVERITIES }) severity!: string;
  @ApiProperty() openedAt!: string;
}

export class ComplaintsSummaryDto {
  @ApiProperty({ type: 'integer' }) total!: number;
  @ApiProperty({ type: 'integer' }) resolved!: number;
  @ApiProperty({ type: [OpenComplaintDto] }) open!: OpenComplaintDto[];
}

export class LastContactDto {
  @ApiProperty() occurredAt!: string;
  @ApiProperty({ enum: CHANNELS }) channel!: string;
  @ApiProperty({ enum: DIRECTIONS }) direction!: string;
  @ApiPropertyOptional({ enum: CONTACT_OUTCOMES }) outcome?: string;
  @ApiPropertyOptional() campaignId?: string;
  @ApiPropertyOptional() offerId?: string;
  @ApiPropertyOptional({ description: 'The playbook action this contact delivered' }) actionId?: string;
}

export class ConsentEntryDto {
  @ApiProperty() granted!: boolean;
  @ApiProperty({ description: 'occurredAt of the consent_changed that said so' }) changedAt!: string;
  @ApiPropertyOptional({ description: 'Where the customer said so' }) source?: string;
}

const CONSENT_BY_PURPOSE = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(CONSENT_PURPOSES.map((p) => [p, { $ref: '#/components/schemas/ConsentEntryDto' }])),
};

export class ChurnEntryDto {
  @ApiProperty() occurredAt!: string;
  @ApiProperty({ enum: CHURN_REASONS }) reason!: string;
}

export class WinBackEntryDto {
  @ApiProperty() occurredAt!: string;
  @ApiProperty({ enum: WIN_BACK_VIA }) via!: string;
  @ApiPropertyOptional() campaignId?: string;
  @ApiPropertyOptional() offerId?: string;
}

export class ActiveEnrollmentDto {
  @ApiProperty() enrollmentId!: string;
  @ApiProperty() playbookId!: string;
  @ApiProperty({ type: 'integer' }) version!: number;
  @ApiProperty() enrolledAt!: string;
  @ApiProperty({ description: 'In the control group: no action goes out' }) holdout!: boolean;
}

export class RecentActionDto {
  @ApiProperty() actionId!: string;
  @ApiProperty() playbookId!: string;
  @ApiPropertyOptional() kind?: string;
  @ApiProperty({ enum: ['requested', 'suppressed'] }) status!: string;
  @ApiPropertyOptional({ description: 'Why it was suppressed' }) reason?: string;
  @ApiProperty() decidedAt!: string;
  @ApiPropertyOptional({ enum: ACKNOWLEDGEMENT_STATUSES, description: 'What the delivering system acknowledged, once it has' }) delivery?: string;
}

export class NextDueDto {
  @ApiProperty() playbookId!: string;
  @ApiProperty() dueAt!: string;
}

export class CustomerPlaybooksDto {
  @ApiProperty({ type: [ActiveEnrollmentDto] }) active!: ActiveEnrollmentDto[];
  @ApiProperty({ type: [RecentActionDto], description: 'The latest decided actions, newest last' }) recentActions!: RecentActionDto[];
  @ApiPropertyOptional({ type: [NextDueDto], description: 'When each running enrollment next needs the clock, soonest first' }) nextDue?: NextDueDto[];
}

export class ErasureStatusDto {
  @ApiProperty({ enum: ['pending', 'complete'] }) status!: string;
  @ApiProperty() requestedAt!: string;
  @ApiProperty({ type: 'integer' }) revision!: number;
}

/** A customer as the list shows it: the read model's document. */
export class CustomerSummaryDto {
  @ApiProperty({ example: 'ada' }) customerId!: string;
  @ApiProperty({ example: 'customer-ada' }) stream!: string;
  @ApiProperty({ type: 'integer', description: 'Revision of the last event the document reflects' }) revision!: number;
  @ApiProperty({ enum: STAGES, nullable: true, type: String }) stage!: string | null;
  @ApiPropertyOptional({ example: 'Ada Lovelace' }) name?: string;
  @ApiPropertyOptional({ example: 'ada@example.com' }) email?: string;
  @ApiPropertyOptional() phone?: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) attributes!: Record<string, string>;
  @ApiPropertyOptional({ description: 'When the latest erasure was asked for' }) personalDataErasedAt?: string;
  @ApiPropertyOptional({ type: ErasureStatusDto, description: 'The latest erasure, absent when never erased' }) erasure?: ErasureStatusDto;
  @ApiProperty({ type: Number, nullable: true, description: 'Last qualification score' }) score!: number | null;
  @ApiProperty({ type: PurchasesDto }) purchases!: PurchasesDto;
  @ApiProperty({ type: ComplaintsSummaryDto }) complaints!: ComplaintsSummaryDto;
  @ApiProperty({ type: LastContactDto, nullable: true }) lastContact!: LastContactDto | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(CONSENT_CHANNELS.map((c) => [c, CONSENT_BY_PURPOSE])),
    description: 'The latest consent per channel (all: every channel) and purpose; absent until one is recorded',
  } as ApiPropertyOptions)
  consent?: Record<string, Record<string, ConsentEntryDto>>;

  @ApiPropertyOptional({ type: CustomerPlaybooksDto }) playbooks?: CustomerPlaybooksDto;
  @ApiProperty({ type: [ChurnEntryDto] }) churns!: ChurnEntryDto[];
  @ApiProperty({ type: [WinBackEntryDto] }) winBacks!: WinBackEntryDto[];
  @ApiProperty({ description: 'Earliest occurredAt' }) firstSeenAt!: string;
  @ApiProperty({ description: 'Latest occurredAt' }) lastActivityAt!: string;
  @ApiProperty({ description: 'recordedAt of the first event applied' }) createdAt!: string;
  @ApiProperty({ description: 'recordedAt of the last event applied' }) updatedAt!: string;
}

export class RfmRowDto {
  @ApiProperty() customerId!: string;
  @ApiProperty({ type: 'integer', description: 'R: days since the last purchase-day' }) recencyDays!: number;
  @ApiProperty({ type: 'integer', description: 'F: purchase-days' }) frequency!: number;
  @ApiProperty({ type: 'integer', description: 'M: total amount, minor units' }) monetary!: number;
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 5 }) r!: number;
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 5 }) f!: number;
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 5 }) m!: number;
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 5 }) fm!: number;
  @ApiProperty({ enum: RFM_SEGMENTS }) segment!: string;
}

export class CustomerRfmDto extends RfmRowDto {
  @ApiProperty() asOf!: string;
  @ApiProperty() currency!: string;
}

export class CustomerPredictionsDto {
  @ApiProperty() asOf!: string;
  @ApiProperty() currency!: string;
  @ApiProperty({ type: 'integer' }) horizonWeeks!: number;
  @ApiProperty() pAlive!: number;
  @ApiProperty({ type: Number, nullable: true }) expectedPurchases!: number | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Whole minor units of currency' }) expectedSpend!: number | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Whole minor units of currency' }) clv!: number | null;
  @ApiProperty({ enum: PURCHASE_MODELS }) model!: string;
  @ApiPropertyOptional({ type: ModelSelectionDto }) modelSelection?: ModelSelectionDto;
  @ApiProperty({ type: PredictionIntervalsDto, nullable: true }) intervals!: PredictionIntervalsDto | null;
}

export class Customer360Dto extends CustomerSummaryDto {
  @ApiProperty({ type: CustomerRfmDto, nullable: true, description: 'As of the start of the current hour in the reporting currency; null without a purchase in it' })
  rfm!: CustomerRfmDto | null;

  @ApiProperty({ type: CustomerPredictionsDto, nullable: true, description: 'Null without a purchase in the reporting currency, or when no model can be fitted (predictionsUnavailable says why)' })
  predictions!: CustomerPredictionsDto | null;

  @ApiPropertyOptional({ description: 'Why predictions is null when no model could be fitted' })
  predictionsUnavailable?: string;
}

export class CustomerListDto {
  @ApiProperty({ type: [CustomerSummaryDto] }) items!: CustomerSummaryDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page; null on the last' }) nextCursor!: string | null;
}

export class TimelineEntryDto {
  @ApiProperty({ type: 'integer' }) revision!: number;
  @ApiProperty() eventId!: string;
  @ApiProperty({ enum: EVENT_TYPES }) type!: string;
  @ApiProperty() occurredAt!: string;
  @ApiProperty() recordedAt!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) data!: Record<string, unknown>;
  @ApiPropertyOptional({ type: Boolean, description: 'true: recorded before an erasure, its personal fields are gone' }) personalDataErased?: true;
}

export class TimelineDto {
  @ApiProperty() customerId!: string;
  @ApiProperty({ type: [TimelineEntryDto], description: 'By occurredAt, then revision' }) items!: TimelineEntryDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
