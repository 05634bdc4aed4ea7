// class-validator's face of the domain's instant parser, for DTOs at every edge
// (event bodies, query parameters): the message names the field and says why.
import { ValidateBy, type ValidationOptions } from 'class-validator';
import { INSTANT_EXAMPLE, invalidInstantMessage, parseInstant } from '@rapport/domain';
import { CustomField, type FieldDecorator } from './api-field.decorator';

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

/**
 * The shape parseInstant accepts, for the document: upper-case T and Z, 1–9
 * fractional digits, an offset with a colon. That the fields name a real
 * instant from 1900 on is `format: date-time` and the description.
 */
const INSTANT_SHAPE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

/** A required instant field: validated by parseInstant, documented as an RFC 3339 date-time. */
export function InstantField(options: { description: string }): FieldDecorator<string> {
  return CustomField<string>({ type: 'string', format: 'date-time', pattern: INSTANT_SHAPE.source, example: INSTANT_EXAMPLE }, options, IsInstant());
}
