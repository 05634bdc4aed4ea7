// A playbook definition (SPEC section 10): when a customer enters, on what
// conditions, the steps, what ends an enrollment early, the goal, the holdout
// share and re-enrollment. Checked here, whole, before it is published: what
// is published is recorded and replayed for ever, so it must mean one thing.
import { CHANNELS, CONSENT_CHANNELS, CONSENT_PURPOSES, EMITTED_EVENT_TYPES, STAGES, type Channel, type EmittedEventType, type Stage } from '@rapport/domain';
import { DURATION_RULE, durationMs } from './duration';

export type Scalar = string | number | boolean;

export type Trigger =
  | { readonly event: EmittedEventType; readonly where?: Readonly<Record<string, Scalar | readonly Scalar[]>> }
  | { readonly signal: 'p_alive_below'; readonly threshold: number }
  | { readonly signal: 'no_purchase_for'; readonly duration: string }
  | { readonly signal: 'stage_for'; readonly stage: Stage; readonly duration: string };

export const SIGNALS = ['p_alive_below', 'no_purchase_for', 'stage_for'] as const;

/** What conditions may read of the customer's 360 at decision time, and the type of each. */
export const CONDITION_FIELDS: Readonly<Record<string, 'string' | 'number' | 'boolean'>> = {
  stage: 'string',
  segment: 'string',
  pAlive: 'number',
  clv: 'number',
  valueRank: 'number',
  openComplaints: 'number',
  'purchases.count': 'number',
  ...Object.fromEntries(CONSENT_CHANNELS.flatMap((channel) => CONSENT_PURPOSES.map((purpose) => [`consent.${channel}.${purpose}`, 'boolean' as const]))),
};

export const CONDITION_OPS = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in'] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];

export interface Condition {
  readonly field: string;
  readonly op: ConditionOp;
  readonly value: Scalar | readonly Scalar[];
}

/** Channels a marketing action may use: those a customer can consent to. */
export const MARKETING_CHANNELS = CHANNELS.filter((channel): channel is Extract<Channel, 'email' | 'phone' | 'sms' | 'social'> =>
  (CONSENT_CHANNELS as readonly string[]).includes(channel),
);
export type MarketingChannel = (typeof MARKETING_CHANNELS)[number];

export const TASK_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;

export type Action =
  /** Work for a person (a service desk, a sales rep); needs no consent. */
  | { readonly kind: 'task'; readonly title: string; readonly queue?: string; readonly priority?: (typeof TASK_PRIORITIES)[number] }
  /** A marketing offer on a channel the customer consented to. */
  | { readonly kind: 'offer'; readonly offerId: string; readonly channel: MarketingChannel }
  /** A marketing message (a template the delivery system knows) on a consented channel. */
  | { readonly kind: 'message'; readonly templateId: string; readonly channel: MarketingChannel }
  /** A relationship event recorded through the customer decider, e.g. `churned` with reason `inactivity`. */
  | { readonly kind: 'record'; readonly event: { readonly type: EmittedEventType; readonly data: Readonly<Record<string, unknown>> } };

export const ACTION_KINDS = ['task', 'offer', 'message', 'record'] as const;

export type Step = { readonly wait: string } | { readonly if: readonly Condition[] } | { readonly action: Action };

export interface ExitRule {
  readonly event: EmittedEventType;
  /** A data field whose value must equal the trigger event's (e.g. the same complaintId). */
  readonly match?: string;
}

export interface Goal {
  readonly event: EmittedEventType;
  readonly within: string;
}

export interface PlaybookDefinition {
  readonly name: string;
  readonly description?: string;
  readonly trigger: Trigger;
  readonly when: readonly Condition[];
  readonly steps: readonly Step[];
  readonly exitOn: readonly ExitRule[];
  readonly goal?: Goal;
  /** Share of enrollments kept as a control group, 0–0.5. */
  readonly holdout: number;
  /** `never`, `always`, or a duration a customer must wait before entering again. */
  readonly reenroll: string;
}

export interface DefinitionError {
  /** Path in the submitted JSON, e.g. `steps[2].wait`; '' for the whole. */
  readonly field: string;
  readonly message: string;
}

export type DefinitionCheck = { readonly ok: true; readonly definition: PlaybookDefinition } | { readonly ok: false; readonly errors: readonly DefinitionError[] };

export const LIMITS = { steps: 50, conditions: 20, exitRules: 10, nameLength: 200, textLength: 2000, idLength: 128, whereValues: 50 } as const;

const DATA_FIELD = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** Checks a submitted definition whole; every problem is reported, none is guessed around. */
export function checkPlaybookDefinition(input: unknown): DefinitionCheck {
  const errors: DefinitionError[] = [];
  const at = new Checker(errors);
  const body = at.object('', input, ['name', 'description', 'trigger', 'when', 'steps', 'exitOn', 'goal', 'holdout', 'reenroll']);
  if (!body) return { ok: false, errors };
  const name = at.text('name', body.name, LIMITS.nameLength);
  const description = body.description === undefined ? undefined : at.text('description', body.description, LIMITS.textLength);
  const trigger = at.trigger('trigger', body.trigger);
  const when = body.when === undefined ? [] : at.list('when', body.when, LIMITS.conditions, (path, value) => at.condition(path, value));
  const steps = at.list('steps', body.steps, LIMITS.steps, (path, value) => at.step(path, value), true);
  const exitOn = body.exitOn === undefined ? [] : at.list('exitOn', body.exitOn, LIMITS.exitRules, (path, value) => at.exitRule(path, value));
  const goal = body.goal === undefined ? undefined : at.goal('goal', body.goal);
  const holdout = body.holdout === undefined ? 0 : at.number('holdout', body.holdout, 0, 0.5);
  const reenroll = body.reenroll === undefined ? 'never' : at.reenroll('reenroll', body.reenroll);
  if (steps && !steps.some((step) => 'action' in step)) errors.push({ field: 'steps', message: 'steps must include at least one action' });
  exitOn?.forEach((rule, i) => {
    if (rule.match !== undefined && trigger !== undefined && !('event' in trigger)) {
      errors.push({ field: `exitOn[${i}].match`, message: `exitOn[${i}].match compares with the trigger event's data; a signal trigger has none` });
    }
  });
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    definition: {
      name: name!,
      ...(description !== undefined ? { description } : {}),
      trigger: trigger!,
      when: when!,
      steps: steps!,
      exitOn: exitOn!,
      ...(goal !== undefined ? { goal } : {}),
      holdout: holdout!,
      reenroll: reenroll!,
    },
  };
}

/** Collects errors by path; each reader answers the checked value, or undefined after recording why not. */
class Checker {
  constructor(private readonly errors: DefinitionError[]) {}

  private fail(field: string, message: string): undefined {
    this.errors.push({ field, message });
    return undefined;
  }

  object(path: string, value: unknown, allowed: readonly string[]): Record<string, unknown> | undefined {
    const label = path === '' ? 'a playbook' : path;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return this.fail(path, `${label} must be an object`);
    const unknown = Object.keys(value).filter((key) => !allowed.includes(key));
    for (const key of unknown) this.fail(join(path, key), `${join(path, key)} is not a field here (expected ${allowed.join(', ')})`);
    return unknown.length > 0 ? undefined : (value as Record<string, unknown>);
  }

  text(path: string, value: unknown, maxLength: number): string | undefined {
    if (typeof value !== 'string' || value.trim() === '' || value.length > maxLength) return this.fail(path, `${path} must be text of 1–${maxLength} characters`);
    return value;
  }

  number(path: string, value: unknown, min: number, max: number): number | undefined {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) return this.fail(path, `${path} must be a number from ${min} to ${max}`);
    return value;
  }

  oneOf<T extends string>(path: string, value: unknown, options: readonly T[]): T | undefined {
    if (typeof value !== 'string' || !options.includes(value as T)) return this.fail(path, `${path} must be one of ${options.join(', ')}`);
    return value as T;
  }

  duration(path: string, value: unknown): string | undefined {
    if (durationMs(value) === undefined) return this.fail(path, `${path} must be ${DURATION_RULE}`);
    return value as string;
  }

  eventType(path: string, value: unknown): EmittedEventType | undefined {
    return this.oneOf(path, value, EMITTED_EVENT_TYPES);
  }

  list<T>(path: string, value: unknown, max: number, item: (path: string, value: unknown) => T | undefined, nonEmpty = false): T[] | undefined {
    if (!Array.isArray(value) || value.length > max || (nonEmpty && value.length === 0)) {
      return this.fail(path, `${path} must be a list of ${nonEmpty ? 1 : 0}–${max} items`);
    }
    const items = value.map((entry, i) => item(`${path}[${i}]`, entry));
    return items.some((entry) => entry === undefined) ? undefined : (items as T[]);
  }

  trigger(path: string, value: unknown): Trigger | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return this.fail(path, `${path} must be an object with event or signal`);
    const raw = value as Record<string, unknown>;
    if ('event' in raw) {
      const body = this.object(path, value, ['event', 'where']);
      if (!body) return undefined;
      const event = this.eventType(join(path, 'event'), body.event);
      const where = body.where === undefined ? undefined : this.where(join(path, 'where'), body.where);
      if (event === undefined || (body.where !== undefined && where === undefined)) return undefined;
      return { event, ...(where !== undefined ? { where } : {}) };
    }
    switch (raw.signal) {
      case 'p_alive_below': {
        const body = this.object(path, value, ['signal', 'threshold']);
        const threshold = body && this.number(join(path, 'threshold'), body.threshold, 0, 1);
        return threshold === undefined ? undefined : { signal: 'p_alive_below', threshold };
      }
      case 'no_purchase_for': {
        const body = this.object(path, value, ['signal', 'duration']);
        const duration = body && this.duration(join(path, 'duration'), body.duration);
        return duration === undefined ? undefined : { signal: 'no_purchase_for', duration };
      }
      case 'stage_for': {
        const body = this.object(path, value, ['signal', 'stage', 'duration']);
        if (!body) return undefined;
        const stage = this.oneOf(join(path, 'stage'), body.stage, STAGES);
        const duration = this.duration(join(path, 'duration'), body.duration);
        return stage === undefined || duration === undefined ? undefined : { signal: 'stage_for', stage, duration };
      }
      default:
        return this.fail(join(path, 'signal'), `${path} needs an event, or a signal (one of ${SIGNALS.join(', ')})`);
    }
  }

  where(path: string, value: unknown): Record<string, Scalar | readonly Scalar[]> | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return this.fail(path, `${path} must be an object of data field → value or values`);
    const before = this.errors.length;
    for (const [field, wanted] of Object.entries(value)) {
      const at = join(path, field);
      if (!DATA_FIELD.test(field)) this.fail(at, `${at}: a data field name is letters, digits and _`);
      else if (Array.isArray(wanted) ? wanted.length === 0 || wanted.length > LIMITS.whereValues || !wanted.every(isScalar) : !isScalar(wanted)) {
        this.fail(at, `${at} must be a string, number or boolean, or a list of 1–${LIMITS.whereValues} of them`);
      }
    }
    return this.errors.length === before ? (value as Record<string, Scalar | readonly Scalar[]>) : undefined;
  }

  condition(path: string, value: unknown): Condition | undefined {
    const body = this.object(path, value, ['field', 'op', 'value']);
    if (!body) return undefined;
    const type = typeof body.field === 'string' && Object.hasOwn(CONDITION_FIELDS, body.field) ? CONDITION_FIELDS[body.field] : undefined;
    if (type === undefined) return this.fail(join(path, 'field'), `${join(path, 'field')} must be one of ${Object.keys(CONDITION_FIELDS).join(', ')}`);
    const op = this.oneOf(join(path, 'op'), body.op, type === 'number' ? CONDITION_OPS : (['eq', 'ne', 'in'] as const));
    if (op === undefined) return undefined;
    const fits = (v: unknown) => typeof v === type && (type !== 'number' || Number.isFinite(v));
    const valueOk = op === 'in' ? Array.isArray(body.value) && body.value.length > 0 && body.value.length <= LIMITS.whereValues && body.value.every(fits) : fits(body.value);
    if (!valueOk) return this.fail(join(path, 'value'), `${join(path, 'value')} must be ${op === 'in' ? `a list of 1–${LIMITS.whereValues} values` : 'a value'} of type ${type}`);
    if (body.field === 'stage') {
      const stages = (op === 'in' ? body.value : [body.value]) as string[];
      if (!stages.every((stage) => (STAGES as readonly string[]).includes(stage))) return this.fail(join(path, 'value'), `${join(path, 'value')}: a stage is one of ${STAGES.join(', ')}`);
    }
    return { field: body.field as string, op, value: body.value as Scalar | readonly Scalar[] };
  }

  step(path: string, value: unknown): Step | undefined {
    const body = this.object(path, value, ['wait', 'if', 'action']);
    if (!body) return undefined;
    const keys = Object.keys(body);
    if (keys.length !== 1) return this.fail(path, `${path} must have exactly one of wait, if, action`);
    if ('wait' in body) {
      const wait = this.duration(join(path, 'wait'), body.wait);
      return wait === undefined ? undefined : { wait };
    }
    if ('if' in body) {
      const conditions = this.list(join(path, 'if'), body.if, LIMITS.conditions, (at, v) => this.condition(at, v), true);
      return conditions === undefined ? undefined : { if: conditions };
    }
    const action = this.action(join(path, 'action'), body.action);
    return action === undefined ? undefined : { action };
  }

  action(path: string, value: unknown): Action | undefined {
    const kind = typeof value === 'object' && value !== null ? (value as Record<string, unknown>).kind : undefined;
    switch (kind) {
      case 'task': {
        const body = this.object(path, value, ['kind', 'title', 'queue', 'priority']);
        if (!body) return undefined;
        const title = this.text(join(path, 'title'), body.title, LIMITS.nameLength);
        const queue = body.queue === undefined ? undefined : this.text(join(path, 'queue'), body.queue, LIMITS.idLength);
        const priority = body.priority === undefined ? undefined : this.oneOf(join(path, 'priority'), body.priority, TASK_PRIORITIES);
        if (title === undefined || (body.queue !== undefined && queue === undefined) || (body.priority !== undefined && priority === undefined)) return undefined;
        return { kind, title, ...(queue !== undefined ? { queue } : {}), ...(priority !== undefined ? { priority } : {}) };
      }
      case 'offer':
      case 'message': {
        const idField = kind === 'offer' ? 'offerId' : 'templateId';
        const body = this.object(path, value, ['kind', idField, 'channel']);
        if (!body) return undefined;
        const id = this.text(join(path, idField), body[idField], LIMITS.idLength);
        const channel = this.oneOf(join(path, 'channel'), body.channel, MARKETING_CHANNELS);
        if (id === undefined || channel === undefined) return undefined;
        return kind === 'offer' ? { kind, offerId: id, channel } : { kind, templateId: id, channel };
      }
      case 'record': {
        const body = this.object(path, value, ['kind', 'event']);
        const event = body && this.object(join(path, 'event'), body.event, ['type', 'data']);
        if (!event) return undefined;
        const type = this.eventType(join(path, 'event.type'), event.type);
        const data = event.data;
        if (typeof data !== 'object' || data === null || Array.isArray(data)) return this.fail(join(path, 'event.data'), `${join(path, 'event.data')} must be an object`);
        // The payload is checked as an emitter's would be, by the edge, when the playbook is published.
        return type === undefined ? undefined : { kind, event: { type, data: data as Record<string, unknown> } };
      }
      default:
        return this.fail(join(path, 'kind'), `${join(path, 'kind')} must be one of ${ACTION_KINDS.join(', ')}`);
    }
  }

  exitRule(path: string, value: unknown): ExitRule | undefined {
    const body = this.object(path, value, ['event', 'match']);
    if (!body) return undefined;
    const event = this.eventType(join(path, 'event'), body.event);
    if (body.match !== undefined && (typeof body.match !== 'string' || !DATA_FIELD.test(body.match))) {
      return this.fail(join(path, 'match'), `${join(path, 'match')} must name a data field`);
    }
    return event === undefined ? undefined : { event, ...(body.match !== undefined ? { match: body.match as string } : {}) };
  }

  goal(path: string, value: unknown): Goal | undefined {
    const body = this.object(path, value, ['event', 'within']);
    if (!body) return undefined;
    const event = this.eventType(join(path, 'event'), body.event);
    const within = this.duration(join(path, 'within'), body.within);
    return event === undefined || within === undefined ? undefined : { event, within };
  }

  reenroll(path: string, value: unknown): string | undefined {
    if (value === 'never' || value === 'always') return value;
    if (durationMs(value) === undefined) return this.fail(path, `${path} must be never, always or ${DURATION_RULE}`);
    return value as string;
  }
}

function isScalar(value: unknown): value is Scalar {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** Condition fields whose values come from the analytics (fitted models, segments), not the customer's own stream. */
export const ANALYTICS_CONDITION_FIELDS: ReadonlySet<string> = new Set(['segment', 'pAlive', 'clv', 'valueRank']);

/** Event types a definition starts, ends or converts on: the events a runner must show it. */
export function listenedEventTypes(definition: PlaybookDefinition): Set<string> {
  const types = new Set<string>();
  if ('event' in definition.trigger) types.add(definition.trigger.event);
  for (const rule of definition.exitOn) types.add(rule.event);
  if (definition.goal) types.add(definition.goal.event);
  return types;
}

/** Whether any condition (`when`, or an `if` step) reads the analytics. */
export function readsAnalytics(definition: PlaybookDefinition): boolean {
  const conditions = [...definition.when, ...definition.steps.flatMap((step) => ('if' in step ? step.if : []))];
  return conditions.some((condition) => ANALYTICS_CONDITION_FIELDS.has(condition.field));
}
