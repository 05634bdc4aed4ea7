import { checkPlaybookDefinition, type DefinitionCheck } from './playbook-definition';

const valid = {
  name: 'Escalate slow complaints',
  trigger: { event: 'complained', where: { severity: ['high', 'critical'] } },
  when: [{ field: 'openComplaints', op: 'gte', value: 1 }],
  steps: [{ wait: 'PT48H' }, { if: [{ field: 'stage', op: 'ne', value: 'churned' }] }, { action: { kind: 'task', title: 'Call the customer', priority: 'urgent' } }],
  exitOn: [{ event: 'complaint_resolved', match: 'complaintId' }],
  goal: { event: 'complaint_resolved', within: 'P7D' },
  holdout: 0.1,
  reenroll: 'always',
};

function errorsOf(check: DefinitionCheck): string[] {
  return check.ok ? [] : check.errors.map((e) => e.field);
}

describe('checkPlaybookDefinition', () => {
  it('accepts a full definition and answers it as given', () => {
    expect(checkPlaybookDefinition(valid)).toEqual({ ok: true, definition: valid });
  });

  it('fills in the defaults: no conditions, no exits, no holdout, never re-enrol', () => {
    const check = checkPlaybookDefinition({ name: 'n', trigger: { event: 'purchased' }, steps: [{ action: { kind: 'message', templateId: 't', channel: 'sms' } }] });
    expect(check).toEqual({
      ok: true,
      definition: { name: 'n', trigger: { event: 'purchased' }, when: [], steps: [{ action: { kind: 'message', templateId: 't', channel: 'sms' } }], exitOn: [], holdout: 0, reenroll: 'never' },
    });
  });

  it.each([
    [{ signal: 'p_alive_below', threshold: 0.3 }],
    [{ signal: 'no_purchase_for', duration: 'P90D' }],
    [{ signal: 'stage_for', stage: 'prospect', duration: 'P14D' }],
  ])('accepts the signal trigger %j', (trigger) => {
    expect(checkPlaybookDefinition({ ...valid, trigger, exitOn: [] }).ok).toBe(true);
  });

  it.each([
    ['an unknown top-level field', { ...valid, priority: 1 }, ['priority']],
    ['no steps', { ...valid, steps: [] }, ['steps']],
    ['steps without an action', { ...valid, steps: [{ wait: 'P1D' }] }, ['steps']],
    ['a step with two keys', { ...valid, steps: [{ wait: 'P1D', action: { kind: 'task', title: 't' } }] }, ['steps[0]']],
    ['a month-long wait', { ...valid, steps: [{ wait: 'P1M' }, valid.steps[2]] }, ['steps[0].wait']],
    ['an emitter-reserved trigger event', { ...valid, trigger: { event: 'personal_data_erased' } }, ['trigger.event']],
    ['an unknown signal', { ...valid, trigger: { signal: 'moon_phase' }, exitOn: [] }, ['trigger.signal']],
    ['a threshold above 1', { ...valid, trigger: { signal: 'p_alive_below', threshold: 1.5 }, exitOn: [] }, ['trigger.threshold']],
    ['an unknown stage', { ...valid, trigger: { signal: 'stage_for', stage: 'lead', duration: 'P1D' }, exitOn: [] }, ['trigger.stage']],
    ['a where value that is an object', { ...valid, trigger: { event: 'complained', where: { severity: { $ne: 'low' } } } }, ['trigger.where.severity']],
    ['a where field that is not a name', { ...valid, trigger: { event: 'complained', where: { 'a.b': 'x' } } }, ['trigger.where.a.b']],
    ['an unknown condition field', { ...valid, when: [{ field: 'mood', op: 'eq', value: 'happy' }] }, ['when[0].field']],
    ['an order comparison on text', { ...valid, when: [{ field: 'segment', op: 'lt', value: 'b' }] }, ['when[0].op']],
    ['a value of the wrong type', { ...valid, when: [{ field: 'pAlive', op: 'lt', value: '0.3' }] }, ['when[0].value']],
    ['a stage that does not exist', { ...valid, when: [{ field: 'stage', op: 'in', value: ['customer', 'vip'] }] }, ['when[0].value']],
    ['a consent condition with a number', { ...valid, when: [{ field: 'consent.email.marketing', op: 'eq', value: 1 }] }, ['when[0].value']],
    ['an offer on a channel without consent', { ...valid, steps: [{ action: { kind: 'offer', offerId: 'o', channel: 'meeting' } }] }, ['steps[0].action.channel']],
    ['an unknown action kind', { ...valid, steps: [{ action: { kind: 'sms' } }] }, ['steps[0].action.kind']],
    ['a record of a reserved event', { ...valid, steps: [{ action: { kind: 'record', event: { type: 'personal_data_erased', data: {} } } }] }, ['steps[0].action.event.type']],
    ['a holdout above one half', { ...valid, holdout: 0.6 }, ['holdout']],
    ['a re-enrolment that is neither', { ...valid, reenroll: 'sometimes' }, ['reenroll']],
    ['a goal without a window', { ...valid, goal: { event: 'purchased' } }, ['goal.within']],
    ['an exit match on a signal trigger', { ...valid, trigger: { signal: 'p_alive_below', threshold: 0.2 } }, ['exitOn[0].match']],
  ])('refuses %s, naming the field', (_case, input, fields) => {
    expect(errorsOf(checkPlaybookDefinition(input))).toEqual(fields);
  });

  it('reports every problem at once', () => {
    const check = checkPlaybookDefinition({ name: '', trigger: {}, steps: [{ wait: 'soon' }, { action: { kind: 'task' } }], holdout: -1 });
    expect(errorsOf(check)).toEqual(['name', 'trigger.signal', 'steps[0].wait', 'steps[1].action.title', 'holdout']);
    expect(check.ok ? [] : check.errors.map((e) => e.message)).toEqual(expect.arrayContaining([expect.stringMatching(/^steps\[0\]\.wait must be an ISO 8601 duration/)]));
  });

  it('refuses what is not an object', () => {
    for (const input of [null, [], 'playbook', 3]) expect(errorsOf(checkPlaybookDefinition(input))).toEqual(['']);
  });
});
