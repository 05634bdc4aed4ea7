// What a mapper makes of one input line.
import type { EventInput } from '@rapport/application';
import type { FieldError } from '@rapport/contract';

export type InvalidLineCode = 'INVALID_LINE' | 'INVALID_JSON' | 'INVALID_EVENT';

export type ParsedLine =
  /** A blank line: not counted, not reported. */
  | { readonly kind: 'blank' }
  | { readonly kind: 'event'; readonly input: EventInput }
  | {
      readonly kind: 'invalid';
      readonly code: InvalidLineCode;
      readonly message: string;
      /** Each bad field, for envelope validation failures. */
      readonly errors?: readonly FieldError[];
    };

/** metadata.actor of everything the CLI records (the HTTP edge puts the credential's name there). */
export const CLI_ACTOR = 'rapport-cli';
