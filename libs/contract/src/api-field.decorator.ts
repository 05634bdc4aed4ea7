// One decorator per field states each rule once: it validates (class-validator)
// and documents (the OpenAPI schema @nestjs/swagger generates) from the same
// arguments, so what /openapi.json says and what the edge accepts cannot drift.
import { ApiProperty, ApiPropertyOptional, ApiSchema, type ApiPropertyOptions } from '@nestjs/swagger';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsISO4217CurrencyCode,
  isISO4217CurrencyCode,
  IsNumber,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';

export interface FieldOptions<O extends boolean = boolean> {
  /** May be absent. Never null: the domain's `field?: T` has no null, and a null would reach the log. */
  readonly optional?: O;
  readonly description?: string;
}

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** What a field of type `T` holds, `undefined` included when it is optional. */
type Held<T, O extends boolean> = O extends true ? T | undefined : T;

/**
 * A property decorator that compiles only on a field declared exactly as what
 * it validates: `@EnumField(CHANNELS) channel!: string` or an optional rule on
 * a required field does not, so a domain type's change reaches the rule.
 */
export type FieldDecorator<T> = <K extends string, P extends { [F in K]?: unknown }>(
  target: P & { [F in K]?: Same<P[K], T> extends true ? unknown : never },
  key: K,
) => void;

function field<T, O extends boolean>(schema: ApiPropertyOptions, options: FieldOptions<O>, ...validators: PropertyDecorator[]): FieldDecorator<Held<T, O>> {
  const decorators = [
    // Not @IsOptional: that lets null through too.
    ...(options.optional ? [ValidateIf((_object: object, value: unknown) => value !== undefined)] : []),
    ...validators,
    (options.optional ? ApiPropertyOptional : ApiProperty)({ ...schema, ...(options.description ? { description: options.description } : {}) }),
  ];
  return (target: object, key: string) => decorators.forEach((decorate) => decorate(target, key));
}

/** A string of `minLength`–`maxLength` characters, optionally matching `pattern` (which then states its own bounds). */
export function TextField<O extends boolean = false>(
  options: FieldOptions<O> & { minLength?: number; maxLength?: number; pattern?: RegExp; message?: string },
): FieldDecorator<Held<string, O>> {
  const { minLength, maxLength, pattern, message } = options;
  const length = minLength !== undefined ? [Length(minLength, maxLength)] : maxLength !== undefined ? [MaxLength(maxLength)] : [];
  const matches = pattern ? [Matches(pattern, message ? { message } : {})] : [];
  return field<string, O>({ type: 'string', minLength, maxLength, ...(pattern ? { pattern: pattern.source } : {}) }, options, IsString(), ...length, ...matches);
}

export function EmailField<O extends boolean = false>(options: FieldOptions<O> & { maxLength: number }): FieldDecorator<Held<string, O>> {
  return field<string, O>({ type: 'string', format: 'email', maxLength: options.maxLength }, options, IsEmail(), MaxLength(options.maxLength));
}

/** The one currency rule, for events, queries and the CLI alike: a code ISO 4217 lists, in upper case. */
export const CURRENCY_PATTERN = /^[A-Z]{3}$/;
export const CURRENCY_MESSAGE = 'currency must be an upper-case ISO 4217 code such as USD';

export function isCurrencyCode(value: unknown): value is string {
  return typeof value === 'string' && CURRENCY_PATTERN.test(value) && isISO4217CurrencyCode(value);
}

/** An upper-case ISO 4217 code: the pattern is the document's; the list of codes, the validator's. */
export function CurrencyField<O extends boolean = false>(options: FieldOptions<O> = {}): FieldDecorator<Held<string, O>> {
  return field<string, O>(
    { type: 'string', pattern: CURRENCY_PATTERN.source, description: options.description ?? 'An ISO 4217 currency code, upper case (e.g. USD); codes ISO 4217 does not list are refused.' },
    options,
    Matches(CURRENCY_PATTERN, { message: CURRENCY_MESSAGE }),
    IsISO4217CurrencyCode({ message: CURRENCY_MESSAGE }),
  );
}

export function EnumField<V extends string, O extends boolean = false>(
  values: readonly V[],
  options: FieldOptions<O> & { message?: string } = {},
): FieldDecorator<Held<V, O>> {
  return field<V, O>({ type: 'string', enum: [...values] }, options, IsIn(values, options.message ? { message: options.message } : {}));
}

export function IntegerField<O extends boolean = false>(
  options: FieldOptions<O> & { minimum: number; maximum: number; message?: string },
): FieldDecorator<Held<number, O>> {
  const { minimum, maximum, message } = options;
  return field<number, O>({ type: 'integer', minimum, maximum }, options, IsInt(message ? { message } : {}), Min(minimum), Max(maximum));
}

/** A finite number (not NaN, not Infinity) within bounds. */
export function NumberField<O extends boolean = false>(options: FieldOptions<O> & { minimum: number; maximum: number }): FieldDecorator<Held<number, O>> {
  const { minimum, maximum } = options;
  return field<number, O>({ type: 'number', minimum, maximum }, options, IsNumber({ allowNaN: false, allowInfinity: false }), Min(minimum), Max(maximum));
}

export function BooleanField<O extends boolean = false>(options: FieldOptions<O> = {}): FieldDecorator<Held<boolean, O>> {
  return field<boolean, O>({ type: 'boolean' }, options, IsBoolean());
}

/** A field of type T validated by `validators` and documented by `schema`: for rules the helpers above do not cover. */
export function CustomField<T, O extends boolean = false>(
  schema: ApiPropertyOptions,
  options: FieldOptions<O>,
  ...validators: PropertyDecorator[]
): FieldDecorator<Held<T, O>> {
  return field<T, O>(schema, options, ...validators);
}

/**
 * Names the schema and closes it: the edge refuses unknown fields (forbidNonWhitelisted),
 * so the document says `additionalProperties: false`. ApiSchema's type lists only name and
 * description, but swagger copies every option into the schema.
 */
export function ClosedSchema(name: string, description?: string): ClassDecorator {
  const options = { name, additionalProperties: false, ...(description ? { description } : {}) };
  return ApiSchema(options);
}
