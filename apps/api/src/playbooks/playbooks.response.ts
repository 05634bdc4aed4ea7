// The playbook and action routes' answers as the OpenAPI document shows them.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ACKNOWLEDGEMENT_STATUSES } from '@rapport/domain';
import { ACTION_KINDS } from '@rapport/playbooks';
import { ACTION_STATUSES, ENROLLMENT_STATUSES } from '@rapport/projections';

const OBJECT = { type: 'object', additionalProperties: true } as const;
const ANY_JSON = { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'object', additionalProperties: true }, { type: 'array', items: {} }] };
const COUNTS = { type: 'object', additionalProperties: { type: 'integer' } } as const;

export class TemplateParameterDto {
  @ApiProperty({ example: 'sla' }) name!: string;
  @ApiProperty() required!: boolean;
  @ApiProperty() description!: string;
  @ApiPropertyOptional({ ...ANY_JSON, description: 'The value used when the parameter is left out' }) default?: unknown;
}

export class PlaybookTemplateDto {
  @ApiProperty({ example: 'complaint-sla' }) name!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ type: [TemplateParameterDto] }) parameters!: TemplateParameterDto[];
}

export class PlaybookTemplatesDto {
  @ApiProperty({ type: [PlaybookTemplateDto] }) items!: PlaybookTemplateDto[];
}

export class PlaybookSummaryDto {
  @ApiProperty({ example: 'complaint-sla' }) playbookId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: 'integer', minimum: 1, description: 'The latest version' }) version!: number;
  @ApiProperty({ enum: ['running', 'paused'] }) status!: 'running' | 'paused';
  @ApiProperty({ ...OBJECT, description: 'The latest definition’s trigger' }) trigger!: Record<string, unknown>;
  @ApiProperty() publishedAt!: string;
}

export class PlaybookListDto {
  @ApiProperty({ type: [PlaybookSummaryDto], description: 'By playbookId' }) items!: PlaybookSummaryDto[];
}

export class PlaybookVersionDto {
  @ApiProperty({ type: 'integer', minimum: 1 }) version!: number;
  @ApiProperty() publishedAt!: string;
  @ApiPropertyOptional({ description: 'The credential that published it' }) publishedBy?: string;
  @ApiProperty({ ...OBJECT, description: 'What the body stood for (docs/playbooks.md)' }) definition!: Record<string, unknown>;
  @ApiProperty({ ...OBJECT, description: 'The body as sent: a definition or {template, params}' }) source!: Record<string, unknown>;
}

export class PlaybookDetailDto extends PlaybookSummaryDto {
  @ApiProperty({ ...OBJECT, description: 'The latest version’s definition (docs/playbooks.md)' }) definition!: Record<string, unknown>;
  @ApiProperty({ type: [PlaybookVersionDto] }) versions!: PlaybookVersionDto[];
}

export class PlaybookPublishedDto extends PlaybookDetailDto {
  @ApiProperty({ description: 'False: the body was the latest version’s definition already; nothing recorded' }) published!: boolean;
}

export class ProportionIntervalDto {
  @ApiProperty() lower!: number;
  @ApiProperty() upper!: number;
}

export class GroupResultsDto {
  @ApiProperty({ type: 'integer' }) enrollments!: number;
  @ApiProperty({ type: 'integer' }) converted!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'converted / enrollments; null without enrollments' }) conversionRate!: number | null;
  @ApiProperty({ type: ProportionIntervalDto, nullable: true, description: 'Wilson’s 95% interval' }) interval!: ProportionIntervalDto | null;
  @ApiPropertyOptional({ ...COUNTS, description: 'Revenue within the goal window, minor units per currency; absent without a goal' }) revenue?: Record<string, number>;
}

export class UpliftDto {
  @ApiProperty({ description: 'Treated rate − holdout rate' }) difference!: number;
  @ApiProperty({ type: ProportionIntervalDto, description: 'Newcombe’s interval' }) interval!: ProportionIntervalDto;
  @ApiProperty({ enum: [0.95] }) confidence!: number;
}

export class PlaybookResultsDto {
  @ApiProperty() playbookId!: string;
  @ApiPropertyOptional({ type: 'integer', description: 'The version counted; every version when absent' }) version?: number;
  @ApiProperty({ type: 'integer' }) enrolled!: number;
  @ApiProperty({ type: 'integer' }) running!: number;
  @ApiProperty({ type: GroupResultsDto }) treated!: GroupResultsDto;
  @ApiProperty({ type: GroupResultsDto }) holdout!: GroupResultsDto;
  @ApiProperty({ type: UpliftDto, nullable: true, description: 'Null while either group is empty' }) uplift!: UpliftDto | null;
}

export class EnrollmentDto {
  @ApiProperty() customerId!: string;
  @ApiProperty() playbookId!: string;
  @ApiProperty({ type: 'integer' }) version!: number;
  @ApiProperty() enrollmentId!: string;
  @ApiProperty({ description: 'In the control group' }) holdout!: boolean;
  @ApiProperty(OBJECT) trigger!: Record<string, unknown>;
  @ApiProperty() enrolledAt!: string;
  @ApiProperty({ enum: ENROLLMENT_STATUSES }) status!: string;
  @ApiPropertyOptional() outcome?: string;
  @ApiPropertyOptional() endedAt?: string;
}

export class EnrollmentPageDto {
  @ApiProperty({ type: [EnrollmentDto], description: 'In the order they started' }) items!: EnrollmentDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class SimulatedDayDto {
  @ApiProperty({ example: '2026-03-01' }) date!: string;
  @ApiProperty({ type: 'integer' }) enrolled!: number;
  @ApiProperty({ type: 'integer' }) requested!: number;
  @ApiProperty({ type: 'integer' }) suppressed!: number;
  @ApiProperty({ type: 'integer' }) converted!: number;
  @ApiProperty({ type: 'integer' }) ended!: number;
}

export class SimulatedEnrollmentDto {
  @ApiProperty() customerId!: string;
  @ApiProperty() enrollmentId!: string;
  @ApiProperty() enrolledAt!: string;
  @ApiProperty() holdout!: boolean;
  @ApiProperty(OBJECT) trigger!: Record<string, unknown>;
  @ApiPropertyOptional() outcome?: string;
  @ApiPropertyOptional() endedAt?: string;
}

export class SimulatedActionsDto {
  @ApiProperty({ type: 'integer' }) requested!: number;
  @ApiProperty({ ...COUNTS, description: 'By reason' }) suppressed!: Record<string, number>;
  @ApiProperty({ ...COUNTS, description: 'By action kind' }) byKind!: Record<string, number>;
}

export class SimulationDto {
  @ApiProperty() playbookId!: string;
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty({ type: 'integer' }) enrolled!: number;
  @ApiProperty({ type: 'integer' }) treated!: number;
  @ApiProperty({ type: 'integer' }) holdout!: number;
  @ApiProperty({ type: SimulatedActionsDto }) actions!: SimulatedActionsDto;
  @ApiProperty({ ...COUNTS, description: 'Enrollments by outcome' }) outcomes!: Record<string, number>;
  @ApiProperty({ type: [SimulatedDayDto], description: 'Days with any decision, in order' }) days!: SimulatedDayDto[];
  @ApiProperty({ type: [SimulatedEnrollmentDto] }) enrollments!: SimulatedEnrollmentDto[];
  @ApiProperty({ description: 'More enrollments happened than are listed' }) truncated!: boolean;
}

export class ActionDto {
  @ApiProperty({ example: 'complaint-sla/1/grace/1/1' }) actionId!: string;
  @ApiProperty() customerId!: string;
  @ApiProperty() playbookId!: string;
  @ApiProperty({ type: 'integer' }) version!: number;
  @ApiProperty() enrollmentId!: string;
  @ApiProperty({ type: 'integer' }) step!: number;
  @ApiProperty({ enum: ACTION_KINDS }) kind!: string;
  @ApiProperty({ ...OBJECT, description: 'The step’s action as the playbook defines it' }) action!: Record<string, unknown>;
  @ApiProperty({ enum: ACTION_STATUSES }) status!: string;
  @ApiProperty({ description: 'When it fell due' }) requestedAt!: string;
  @ApiProperty({ description: 'eventId of the decision' }) eventId!: string;
  @ApiPropertyOptional() deliveredAt?: string;
  @ApiPropertyOptional({ description: 'eventId of the contacted that delivered it' }) deliveredBy?: string;
  @ApiPropertyOptional() acknowledgedAt?: string;
  @ApiPropertyOptional() detail?: string;
}

export class ActionPageDto {
  @ApiProperty({ type: [ActionDto], description: 'In the order they fell due' }) items!: ActionDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class ActionAcknowledgedDto {
  @ApiProperty() actionId!: string;
  @ApiProperty() customerId!: string;
  @ApiProperty({ enum: ACKNOWLEDGEMENT_STATUSES }) status!: string;
  @ApiProperty() duplicate!: boolean;
  @ApiProperty({ type: 'integer', description: 'The acknowledgement’s revision in the customer’s stream' }) revision!: number;
  @ApiProperty() consistencyToken!: string;
}
