// What the edge's validators enforce, read back from class-validator's
// metadata, and the domain constants each enum field must equal: the reference
// the documents (OpenAPI, AsyncAPI, docs/api.md) are tested against.
import { getMetadataStorage } from 'class-validator';
import {
  CHANNELS,
  CHURN_REASONS,
  CONSENT_CHANNELS,
  CONSENT_PURPOSES,
  CONTACT_OUTCOMES,
  DIRECTIONS,
  SEVERITIES,
  WIN_BACK_VIA,
  type EmittedEventType,
  type EventDataByType,
} from '@rapport/domain';
import { DATA_DTO_BY_TYPE } from '../event-envelope.dto';

export type FieldType = 'string' | 'integer' | 'number' | 'boolean' | 'object';

export interface FieldRule {
  readonly name: string;
  readonly required: boolean;
  readonly type: FieldType;
  readonly enum?: readonly string[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  /** Validators whose rule a JSON schema states only in prose (e.g. the ISO 4217 list). */
  readonly checkedBeyondSchema: readonly string[];
}

/** Which JSON type each validator implies; a validator not listed fails the reading, so a new one must be placed here. */
const TYPE_OF: Readonly<Record<string, FieldType>> = {
  isString: 'string',
  matches: 'string',
  isEmail: 'string',
  isIn: 'string',
  isUuid: 'string',
  isInstant: 'string',
  isISO4217CurrencyCode: 'string',
  isInt: 'integer',
  isNumber: 'number',
  isBoolean: 'boolean',
  isObject: 'object',
  isFlatStringMap: 'object',
};
const BEYOND_SCHEMA = new Set(['isEmail', 'isUuid', 'isInstant', 'isISO4217CurrencyCode', 'isFlatStringMap']);
const BOUNDS = new Set(['min', 'max', 'isLength', 'maxLength']);
const TYPE_PRIORITY: readonly FieldType[] = ['integer', 'number', 'boolean', 'object', 'string'];

/** The rules class-validator enforces on each field of `dto`, in declaration order. */
export function fieldRules(dto: new () => object): FieldRule[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
  const names = [...new Set(metadata.map((m) => m.propertyName))];
  return names.map((name) => {
    const own = metadata.filter((m) => m.propertyName === name);
    const rule: { -readonly [K in keyof FieldRule]: FieldRule[K] } = { name, required: true, type: 'string', checkedBeyondSchema: [] };
    const types: FieldType[] = [];
    for (const m of own) {
      if (m.type === 'conditionalValidation') {
        rule.required = false;
        continue;
      }
      const validator = m.name ?? m.type;
      const constraints = (m.constraints ?? []) as unknown[];
      if (validator in TYPE_OF) types.push(TYPE_OF[validator]!);
      else if (!BOUNDS.has(validator)) throw new Error(`${dto.name}.${name}: no rule known for validator ${validator}; add it to payload-rules.ts`);
      if (BEYOND_SCHEMA.has(validator)) rule.checkedBeyondSchema = [...rule.checkedBeyondSchema, validator];
      // A bound given twice holds at its strictest; two enums or patterns cannot be summed up as one.
      if ((validator === 'isIn' && rule.enum) || (validator === 'matches' && rule.pattern)) throw new Error(`${dto.name}.${name}: two ${validator} validators`);
      if (validator === 'isIn') rule.enum = [...(constraints[0] as readonly string[])];
      if (validator === 'matches') rule.pattern = (constraints[0] as RegExp).source;
      if (validator === 'min') rule.minimum = strictest(Math.max, rule.minimum, constraints[0] as number);
      if (validator === 'max') rule.maximum = strictest(Math.min, rule.maximum, constraints[0] as number);
      if (validator === 'isLength') rule.minLength = strictest(Math.max, rule.minLength, constraints[0] as number);
      if (validator === 'isLength' || validator === 'maxLength') rule.maxLength = strictest(Math.min, rule.maxLength, constraints[validator === 'isLength' ? 1 : 0] as number);
    }
    rule.type = TYPE_PRIORITY.find((type) => types.includes(type)) ?? 'string';
    return rule;
  });
}

function strictest(pick: (a: number, b: number) => number, known: number | undefined, bound: number | undefined): number | undefined {
  if (bound === undefined || bound === null) return known;
  return known === undefined ? bound : pick(known, bound);
}

/** Every enum field of every emitted type's payload, with the domain constant that defines its values. */
export const DOMAIN_ENUMS: { readonly [K in EmittedEventType]: { readonly [F in keyof EventDataByType[K]]?: readonly string[] } } = {
  identified: {},
  contacted: { channel: CHANNELS, direction: DIRECTIONS, outcome: CONTACT_OUTCOMES },
  qualified: {},
  purchased: {},
  complained: { severity: SEVERITIES },
  complaint_resolved: {},
  churned: { reason: CHURN_REASONS },
  won_back: { via: WIN_BACK_VIA },
  consent_changed: { channel: CONSENT_CHANNELS, purpose: CONSENT_PURPOSES },
};

/** Values that pass a field's validators, where the rule alone cannot make one up. */
const VALID_BY_NAME: Readonly<Record<string, unknown>> = {
  email: 'ada@example.com',
  phone: '+44 20 7946 0958',
  currency: 'EUR',
  attributes: { tier: 'gold', region: 'north' },
};

/** A value that passes the rule. */
export function validValue(rule: FieldRule): unknown {
  if (rule.name in VALID_BY_NAME) return VALID_BY_NAME[rule.name];
  if (rule.enum) return rule.enum[0];
  switch (rule.type) {
    case 'integer':
      return Math.max(rule.minimum ?? 0, Math.min(rule.maximum ?? 4990, 4990));
    case 'number':
      return ((rule.minimum ?? 0) + (rule.maximum ?? 100)) / 2 + 0.5;
    case 'boolean':
      return true;
    case 'object':
      return {};
    case 'string':
      return `${rule.name}-1`.slice(0, rule.maxLength ?? Infinity).padEnd(rule.minLength ?? 0, 'x');
  }
}

/** A payload of `type` that the edge accepts: its required fields only, or every field. */
export function validData(type: EmittedEventType, fields: 'required' | 'all'): Record<string, unknown> {
  const rules = fieldRules(DATA_DTO_BY_TYPE[type]).filter((rule) => fields === 'all' || rule.required);
  return Object.fromEntries(rules.map((rule) => [rule.name, validValue(rule)]));
}
