// Integer query parameters are plain decimal digits: Number() would also take
// `1e1`, `0x10`, ` 5` and `-0`, and round past 2^53 into a RangeError later.
import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsInt } from 'class-validator';

const DIGITS = /^[0-9]+$/;

/** `"42"` → 42; anything else (other spellings, arrays, unsafe integers) is left as it came, for IsInt to refuse. */
export function parseDecimalInteger(value: unknown): unknown {
  if (typeof value !== 'string' || !DIGITS.test(value)) return value;
  const parsed = Number(value);
  return Number.isSafeInteger(parsed) ? parsed : value;
}

/** A query parameter holding a non-negative integer; pair with Min and Max for its range. */
export function IsDecimalInteger(): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) => parseDecimalInteger(value)),
    IsInt({ message: `$property must be a whole number in plain decimal digits, at most ${Number.MAX_SAFE_INTEGER}` }),
  );
}
