// Instants given on the command line (--as-of, --from, --to) go through the same
// parser as the HTTP edge, so the CLI and the API refuse the same values.
import { invalidInstantMessage, parseInstant } from '@rapport/domain';
import { UserError } from './cli-errors';

/** The option's text when it names a real instant (see docs/api.md, Instants); a UserError otherwise. */
export function instantOption(name: string, value: string): string {
  const parsed = parseInstant(value);
  if (!parsed.ok) throw new UserError(`${invalidInstantMessage(`--${name}`, parsed.reason)} (got ${JSON.stringify(value)})`);
  return value;
}
