// class-validator reports every constraint a value breaks; a client needs one
// sentence per bad field, the one that says what to send.
import type { ValidationError } from 'class-validator';

export interface FieldError {
  /** Dotted path of the field, e.g. `data.amount`. */
  readonly field: string;
  readonly message: string;
}

/**
 * One error per bad field, by dotted path: "<field> is required" when it is
 * missing, else the first rule it breaks (the type's, as decorators list it),
 * and class-validator's whitelist sentence as "unknown field <name>".
 */
export function fieldErrors(errors: readonly ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const messages = Object.values(error.constraints ?? {});
    const first = messages[0];
    const own =
      first === undefined
        ? []
        : [{ field, message: error.value === undefined && !('whitelistValidation' in (error.constraints ?? {})) ? `${field} is required` : unknownField(first) }];
    return [...own, ...fieldErrors(error.children ?? [], field)];
  });
}

function unknownField(message: string): string {
  return message.replace(/^property (\S+) should not exist$/, 'unknown field $1');
}
