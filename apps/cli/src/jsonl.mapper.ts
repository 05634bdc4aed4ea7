// One event envelope per line, validated exactly as the HTTP edge validates a
// batch item (customerId is required in each line).
import { validateEnvelope } from '@rapport/contract';
import { CLI_ACTOR, type ParsedLine } from './parsed-line';

export function mapJsonlLine(text: string): ParsedLine {
  if (text.trim() === '') return { kind: 'blank' };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return { kind: 'invalid', code: 'INVALID_JSON', message: `not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  const validation = validateEnvelope(body);
  if (!validation.ok) {
    return {
      kind: 'invalid',
      code: 'INVALID_EVENT',
      message: validation.errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; '),
      errors: validation.errors,
    };
  }
  return { kind: 'event', input: { ...validation.value, metadata: { ...validation.value.metadata, actor: CLI_ACTOR } } };
}
