// The audit routes' answers as the OpenAPI document shows them.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CHURN_REASONS, STAGES, WIN_BACK_VIA } from '@rapport/domain';
import { RecordedEventDto } from '../write/write.response';

export class AuditHistoryDto {
  @ApiProperty({ example: 'ada' }) customerId!: string;
  @ApiProperty({ example: 'customer-ada' }) stream!: string;
  @ApiProperty({ type: [RecordedEventDto], description: 'As recorded, in revision order: data in the schema version written (schemaVersion when 2 or more), with metadata, hash and personalData' })
  events!: RecordedEventDto[];
  @ApiProperty({ type: 'integer', nullable: true, description: 'fromRevision of the next page; null at the end' }) nextRevision!: number | null;
}

export class SealedIdentityDto {
  @ApiPropertyOptional({ description: 'Sealed, never opened' }) name?: string;
  @ApiPropertyOptional({ description: 'Sealed, never opened' }) email?: string;
  @ApiPropertyOptional({ description: 'Sealed, never opened' }) phone?: string;
  @ApiPropertyOptional({ type: [String], description: 'The sealed attribute maps, in the order merged' }) attributes?: string[];
}

export class AuditChurnDto {
  @ApiProperty() eventId!: string;
  @ApiProperty() occurredAt!: string;
  @ApiProperty({ enum: CHURN_REASONS }) reason!: string;
}

export class AuditWinBackDto {
  @ApiProperty() eventId!: string;
  @ApiProperty() occurredAt!: string;
  @ApiProperty({ enum: WIN_BACK_VIA }) via!: string;
  @ApiPropertyOptional() campaignId?: string;
  @ApiPropertyOptional() offerId?: string;
}

export class ReplayedStateDto {
  @ApiProperty({ enum: STAGES, type: String, nullable: true }) stage!: string | null;
  @ApiProperty({ type: SealedIdentityDto }) identity!: SealedIdentityDto;
  @ApiProperty({ type: Number, nullable: true }) score!: number | null;
  @ApiProperty({ type: [String], description: 'orderIds, sorted' }) orders!: string[];
  @ApiProperty({ type: [String], description: 'complaintIds still open, sorted' }) openComplaints!: string[];
  @ApiProperty({ type: [String], description: 'complaintIds resolved, sorted' }) resolvedComplaints!: string[];
  @ApiProperty({ type: [AuditChurnDto] }) churns!: AuditChurnDto[];
  @ApiProperty({ type: [AuditWinBackDto] }) winBacks!: AuditWinBackDto[];
  @ApiProperty({ type: String, nullable: true, description: 'occurredAt of the latest erasure' }) personalDataErasedAt!: string | null;
  @ApiProperty({ type: 'integer', description: 'Events folded' }) events!: number;
}

export class AuditStateDto {
  @ApiProperty() customerId!: string;
  @ApiProperty() stream!: string;
  @ApiPropertyOptional({ description: 'Echoed when asked as of an instant' }) asOf?: string;
  @ApiPropertyOptional({ type: 'integer', description: 'Echoed when asked at a revision' }) atRevision?: number;
  @ApiProperty({ type: 'integer', minimum: -1, description: 'The last revision folded; -1 when asOf precedes the first event' }) revision!: number;
  @ApiProperty({ type: 'integer' }) eventsApplied!: number;
  @ApiProperty({ type: ReplayedStateDto }) state!: ReplayedStateDto;
}

export class AuditVerifyDto {
  @ApiProperty({ example: 'customer-ada' }) stream!: string;
  @ApiProperty({ example: 'ada' }) customerId!: string;
  @ApiProperty({ description: 'Whether the whole chain re-hashes' }) ok!: boolean;
  @ApiProperty({ type: 'integer', description: 'Events verified good (before the first bad one)' }) checked!: number;
  @ApiPropertyOptional({ description: 'ok: the last event’s hash' }) lastHash?: string;
  @ApiPropertyOptional({ type: 'integer', description: 'Not ok: the first bad revision' }) firstBadRevision?: number;
  @ApiPropertyOptional({ enum: ['hash_mismatch', 'revision_gap', 'revision_out_of_order', 'customer_mismatch'] }) reason?: string;
  @ApiPropertyOptional({ description: 'hash_mismatch: the hash the event should carry' }) expectedHash?: string;
  @ApiPropertyOptional({ description: 'hash_mismatch: the hash it carries' }) actualHash?: string;
}
