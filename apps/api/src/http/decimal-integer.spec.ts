import { plainToInstance } from 'class-transformer';
import { IsOptional, Max, Min, validateSync } from 'class-validator';
import { IsDecimalInteger, parseDecimalInteger } from './decimal-integer';

class Query {
  @IsOptional()
  @IsDecimalInteger()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  n?: number;
}

function check(value: unknown): { value: unknown; errors: string[] } {
  const query = plainToInstance(Query, { n: value });
  return { value: query.n, errors: validateSync(query).flatMap((e) => Object.values(e.constraints ?? {})) };
}

describe('decimal integer query parameters', () => {
  it.each([
    ['0', 0],
    ['7', 7],
    ['007', 7],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
  ])('takes %j as %d', (raw, expected) => {
    expect(parseDecimalInteger(raw)).toBe(expected);
    expect(check(raw)).toEqual({ value: expected, errors: [] });
  });

  it.each(['1e1', '0x10', '0b11', '0o7', ' 5', '5 ', '+5', '-0', '-1', '5.0', '.5', '1_000', '', '９', 'Infinity', 'NaN', '9007199254740992', '99999999999999999'])(
    'refuses %j, leaving it as it came',
    (raw) => {
      expect(parseDecimalInteger(raw)).toBe(raw);
      const { errors } = check(raw);
      expect(errors).toContain(`n must be a whole number in plain decimal digits, at most ${Number.MAX_SAFE_INTEGER}`);
    },
  );

  it('refuses a repeated parameter (an array)', () => {
    expect(check(['1', '2']).errors.length).toBeGreaterThan(0);
  });

  it('leaves an absent parameter absent', () => {
    expect(check(undefined)).toEqual({ value: undefined, errors: [] });
  });
});
