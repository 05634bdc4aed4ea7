// GET /v1/session's answer as the OpenAPI document shows it.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ROLES } from '../auth/roles';

export class SessionDto {
  @ApiProperty({ description: 'Whether routes need a credential here' }) authRequired!: boolean;
  @ApiProperty({ type: 'array', items: { type: 'string', enum: ['api-key', 'bearer'] }, description: 'The credentials this server accepts (none when it requires none)' })
  accepts!: ('api-key' | 'bearer')[];
  @ApiProperty({ description: 'A credential was sent and accepted, or none is required' }) authenticated!: boolean;
  @ApiPropertyOptional({ description: 'The credential’s name (anonymous when none is required)', example: 'anonymous' }) name?: string;
  @ApiProperty({ type: 'array', items: { type: 'string', enum: [...ROLES] }, description: 'admin is spelled out as every role' }) roles!: string[];
  @ApiPropertyOptional({ enum: ['api-key', 'jwt', 'none'] }) via?: string;
  @ApiProperty({ example: 'USD' }) reportingCurrency!: string;
  @ApiProperty({ enum: ['embedded', 'distributed'] }) mode!: string;
}
