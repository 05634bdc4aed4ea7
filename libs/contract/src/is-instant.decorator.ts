// class-validator's face of the domain's instant parser, for DTOs at every edge
// (event bodies, query parameters): the message names the field and says why.
import { ValidateBy, type ValidationOptions } from 'class-validator';
import { invalidInstantMessage, parseInstant } from '@rapport/domain';

/** An RFC 3339 date-time with an offset naming a real instant from 1900 on (see parseInstant). */
export function IsInstant(options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isInstant',
      validator: {
        validate: (value: unknown) => parseInstant(value).ok,
        defaultMessage: (args) => {
          const parsed = parseInstant(args?.value);
          return invalidInstantMessage(args?.property ?? 'value', parsed.ok ? 'refused' : parsed.reason);
        },
      },
    },
    options,
  );
}
