// The built-in templates (SPEC section 10): a name and parameters that expand
// into a full definition, checked like any other. What a template does is
// visible: `expandTemplate` answers the definition it publishes.
import { SEVERITIES } from '@rapport/domain';
import { DURATION_RULE, durationMs } from './duration';
import { checkPlaybookDefinition, MARKETING_CHANNELS, type DefinitionCheck, type DefinitionError } from './playbook-definition';

export interface TemplateParameter {
  readonly name: string;
  readonly required: boolean;
  readonly description: string;
  /** The value used when the parameter is left out. */
  readonly default?: unknown;
}

export interface PlaybookTemplate {
  readonly name: string;
  readonly description: string;
  readonly parameters: readonly TemplateParameter[];
  /** The definition for checked parameters (defaults filled in). */
  expand(params: Readonly<Record<string, unknown>>): unknown;
}

type ParamCheck = (value: unknown) => string | undefined;
const duration: ParamCheck = (value) => (durationMs(value) === undefined ? DURATION_RULE : undefined);
const share: ParamCheck = (value) => (typeof value === 'number' && value > 0 && value <= 1 ? undefined : 'a number above 0, at most 1');
const probability: ParamCheck = (value) => (typeof value === 'number' && value > 0 && value < 1 ? undefined : 'a number between 0 and 1');
const holdoutShare: ParamCheck = (value) => (typeof value === 'number' && value >= 0 && value <= 0.5 ? undefined : 'a number from 0 to 0.5');
const id: ParamCheck = (value) => (typeof value === 'string' && value.length >= 1 && value.length <= 128 ? undefined : 'text of 1–128 characters');
const touches: ParamCheck = (value) => (Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 10 ? undefined : 'an integer from 1 to 10');
const channel: ParamCheck = (value) => ((MARKETING_CHANNELS as readonly unknown[]).includes(value) ? undefined : `one of ${MARKETING_CHANNELS.join(', ')}`);
const severities: ParamCheck = (value) =>
  Array.isArray(value) && value.length > 0 && value.every((s) => (SEVERITIES as readonly unknown[]).includes(s)) ? undefined : `a list of ${SEVERITIES.join(', ')}`;

interface ParamSpec extends TemplateParameter {
  readonly check: ParamCheck;
}

/** The parameters of a template that sends a message: which template, on which channel. */
function messageParameters(defaultTemplate: string): ParamSpec[] {
  return [
    { name: 'templateId', required: false, default: defaultTemplate, description: 'the message template', check: id },
    { name: 'channel', required: false, default: 'email', description: 'the channel', check: channel },
  ];
}

function template(name: string, description: string, parameters: readonly ParamSpec[], expand: (p: Record<string, unknown>) => unknown) {
  return { name, description, parameters, checks: new Map(parameters.map((p) => [p.name, p])), expand };
}

const TEMPLATE_LIST = [
  template(
    'complaint-sla',
    'A task for the service desk when a complaint is still open past its SLA; resolving the complaint first ends the enrollment.',
    [
      { name: 'sla', required: true, description: 'how long a complaint may stay open, from when it occurred', check: duration },
      { name: 'severities', required: false, description: 'only complaints of these severities', check: severities },
    ],
    (p) => ({
      name: `Complaint SLA (${p.sla as string})`,
      trigger: { event: 'complained', ...(p.severities !== undefined ? { where: { severity: p.severities } } : {}) },
      steps: [{ wait: p.sla }, { action: { kind: 'task', title: 'Complaint open past its SLA', queue: 'service', priority: 'urgent' } }],
      exitOn: [{ event: 'complaint_resolved', match: 'complaintId' }],
      reenroll: 'always',
    }),
  ),
  template(
    'lead-nurture',
    'Messages for a prospect who stays a prospect, one every `after`, at most `maxTouches`; qualifying or buying ends it.',
    [
      { name: 'after', required: true, description: 'how long a prospect waits before the first and between messages', check: duration },
      { name: 'maxTouches', required: false, default: 3, description: 'messages at most', check: touches },
      ...messageParameters('lead-nurture'),
    ],
    (p) => ({
      name: `Lead nurture (${p.maxTouches as number} × ${p.after as string})`,
      trigger: { signal: 'stage_for', stage: 'prospect', duration: p.after },
      steps: Array.from({ length: p.maxTouches as number }, (_, i) => [
        ...(i > 0 ? [{ wait: p.after }] : []),
        { if: [{ field: 'stage', op: 'eq', value: 'prospect' }] },
        { action: { kind: 'message', templateId: p.templateId, channel: p.channel } },
      ]).flat(),
      exitOn: [{ event: 'qualified' }, { event: 'purchased' }],
      goal: { event: 'qualified', within: 'P90D' },
      reenroll: 'never',
    }),
  ),
  template(
    'win-back',
    'An offer to a valuable customer whose P(alive) falls below a threshold; a purchase within the window is the goal, and a holdout measures the uplift.',
    [
      { name: 'pAliveBelow', required: true, description: 'P(alive) under which a customer enters', check: probability },
      { name: 'topValueShare', required: false, default: 0.2, description: 'only the most valuable share of customers, by CLV (valueRank)', check: share },
      { name: 'offerId', required: true, description: 'the offer', check: id },
      { name: 'goalWithin', required: false, default: 'P30D', description: 'a purchase within this window is a conversion', check: duration },
      { name: 'holdout', required: false, default: 0.1, description: 'share of enrollments kept as a control group', check: holdoutShare },
      { name: 'channel', required: false, default: 'email', description: 'the channel', check: channel },
    ],
    (p) => ({
      name: `Win-back (P(alive) < ${p.pAliveBelow as number}, top ${(p.topValueShare as number) * 100}%)`,
      trigger: { signal: 'p_alive_below', threshold: p.pAliveBelow },
      when: [
        { field: 'stage', op: 'in', value: ['customer', 'repeat'] },
        { field: 'valueRank', op: 'lte', value: p.topValueShare },
      ],
      steps: [{ action: { kind: 'offer', offerId: p.offerId, channel: p.channel } }],
      goal: { event: 'purchased', within: p.goalWithin },
      holdout: p.holdout,
      reenroll: 'P90D',
    }),
  ),
  template(
    'post-purchase',
    'A message some time after each purchase.',
    [
      { name: 'after', required: true, description: 'how long after the purchase', check: duration },
      ...messageParameters('post-purchase'),
    ],
    (p) => ({
      name: `Post-purchase (${p.after as string})`,
      trigger: { event: 'purchased' },
      steps: [{ wait: p.after }, { action: { kind: 'message', templateId: p.templateId, channel: p.channel } }],
      reenroll: 'always',
    }),
  ),
  template(
    'inactivity-churn',
    'Records `churned` (reason inactivity) for a customer whose P(alive) falls below a threshold, or who has not bought for a while: give one of the two.',
    [
      { name: 'pAliveBelow', required: false, description: 'P(alive) under which the customer is taken as churned', check: probability },
      { name: 'noPurchaseFor', required: false, description: 'or: time since the last purchase', check: duration },
    ],
    (p) => ({
      name: p.pAliveBelow !== undefined ? `Inactivity churn (P(alive) < ${p.pAliveBelow as number})` : `Inactivity churn (no purchase for ${p.noPurchaseFor as string})`,
      trigger: p.pAliveBelow !== undefined ? { signal: 'p_alive_below', threshold: p.pAliveBelow } : { signal: 'no_purchase_for', duration: p.noPurchaseFor },
      when: [{ field: 'stage', op: 'in', value: ['customer', 'repeat'] }],
      steps: [{ action: { kind: 'record', event: { type: 'churned', data: { reason: 'inactivity' } } } }],
      reenroll: 'always',
    }),
  ),
] as const;

export const TEMPLATE_NAMES = TEMPLATE_LIST.map((t) => t.name);

/** What `GET /v1/playbooks/templates` lists. */
export const PLAYBOOK_TEMPLATES: readonly PlaybookTemplate[] = TEMPLATE_LIST.map(({ name, description, parameters, expand }) => ({
  name,
  description,
  parameters: parameters.map(({ check: _check, ...parameter }) => parameter),
  expand,
}));

/**
 * The definition a `{template, params}` stands for, checked. Unknown or
 * missing parameters and bad values are reported under `params.<name>`.
 */
export function expandTemplate(input: unknown): DefinitionCheck {
  const errors: DefinitionError[] = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ok: false, errors: [{ field: '', message: 'a template use must be an object {template, params}' }] };
  const { template: name, params = {}, ...rest } = input as Record<string, unknown>;
  for (const key of Object.keys(rest)) errors.push({ field: key, message: `${key} is not a field here (expected template, params)` });
  const found = TEMPLATE_LIST.find((t) => t.name === name);
  if (!found) return { ok: false, errors: [...errors, { field: 'template', message: `template must be one of ${TEMPLATE_NAMES.join(', ')}` }] };
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return { ok: false, errors: [...errors, { field: 'params', message: 'params must be an object' }] };
  const given = params as Record<string, unknown>;
  const filled: Record<string, unknown> = {};
  for (const key of Object.keys(given)) if (!found.checks.has(key)) errors.push({ field: `params.${key}`, message: `params.${key} is not a parameter of ${found.name}` });
  for (const parameter of found.parameters) {
    const value = Object.hasOwn(given, parameter.name) ? given[parameter.name] : parameter.default;
    if (value === undefined) {
      if (parameter.required) errors.push({ field: `params.${parameter.name}`, message: `params.${parameter.name} is required: ${parameter.description}` });
      continue;
    }
    const problem = parameter.check(value);
    if (problem) errors.push({ field: `params.${parameter.name}`, message: `params.${parameter.name} must be ${problem}` });
    else filled[parameter.name] = value;
  }
  if (found.name === 'inactivity-churn' && (filled.pAliveBelow === undefined) === (filled.noPurchaseFor === undefined)) {
    errors.push({ field: 'params', message: 'inactivity-churn takes exactly one of pAliveBelow and noPurchaseFor' });
  }
  if (errors.length > 0) return { ok: false, errors };
  return checkPlaybookDefinition(found.expand(filled));
}

/** A definition or a template use, as `PUT /v1/playbooks/{id}` and simulate take them. */
export function checkPlaybook(input: unknown): DefinitionCheck {
  if (typeof input === 'object' && input !== null && 'template' in input) return expandTemplate(input);
  return checkPlaybookDefinition(input);
}
