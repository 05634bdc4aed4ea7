import { checkPlaybook, expandTemplate, PLAYBOOK_TEMPLATES } from './playbook-templates';

describe('the built-in templates', () => {
  it('lists the five of SPEC section 10 with their parameters', () => {
    expect(PLAYBOOK_TEMPLATES.map((t) => [t.name, t.parameters.filter((p) => p.required).map((p) => p.name)])).toEqual([
      ['complaint-sla', ['sla']],
      ['lead-nurture', ['after']],
      ['win-back', ['pAliveBelow', 'offerId']],
      ['post-purchase', ['after']],
      ['inactivity-churn', []],
    ]);
  });

  it('complaint-sla: a task once the SLA has passed, unless that complaint is resolved first', () => {
    const check = expandTemplate({ template: 'complaint-sla', params: { sla: 'PT48H', severities: ['high', 'critical'] } });
    expect(check).toMatchObject({
      ok: true,
      definition: {
        trigger: { event: 'complained', where: { severity: ['high', 'critical'] } },
        steps: [{ wait: 'PT48H' }, { action: { kind: 'task', priority: 'urgent' } }],
        exitOn: [{ event: 'complaint_resolved', match: 'complaintId' }],
        reenroll: 'always',
      },
    });
  });

  it('lead-nurture: maxTouches messages, each only while still a prospect, spaced by `after`', () => {
    const check = expandTemplate({ template: 'lead-nurture', params: { after: 'P7D', maxTouches: 2 } });
    if (!check.ok) throw new Error(JSON.stringify(check.errors));
    expect(check.definition.trigger).toEqual({ signal: 'stage_for', stage: 'prospect', duration: 'P7D' });
    expect(check.definition.steps).toEqual([
      { if: [{ field: 'stage', op: 'eq', value: 'prospect' }] },
      { action: { kind: 'message', templateId: 'lead-nurture', channel: 'email' } },
      { wait: 'P7D' },
      { if: [{ field: 'stage', op: 'eq', value: 'prospect' }] },
      { action: { kind: 'message', templateId: 'lead-nurture', channel: 'email' } },
    ]);
  });

  it('win-back: an offer to the most valuable whose P(alive) fell, a purchase goal and a holdout (defaults filled in)', () => {
    const check = expandTemplate({ template: 'win-back', params: { pAliveBelow: 0.3, offerId: 'WB-10' } });
    expect(check).toMatchObject({
      ok: true,
      definition: {
        trigger: { signal: 'p_alive_below', threshold: 0.3 },
        when: [
          { field: 'stage', op: 'in', value: ['customer', 'repeat'] },
          { field: 'valueRank', op: 'lte', value: 0.2 },
        ],
        steps: [{ action: { kind: 'offer', offerId: 'WB-10', channel: 'email' } }],
        goal: { event: 'purchased', within: 'P30D' },
        holdout: 0.1,
      },
    });
  });

  it('inactivity-churn: records churned (inactivity), from either signal but not both', () => {
    expect(expandTemplate({ template: 'inactivity-churn', params: { noPurchaseFor: 'P180D' } })).toMatchObject({
      ok: true,
      definition: { trigger: { signal: 'no_purchase_for', duration: 'P180D' }, steps: [{ action: { kind: 'record', event: { type: 'churned', data: { reason: 'inactivity' } } } }] },
    });
    expect(expandTemplate({ template: 'inactivity-churn', params: {} })).toMatchObject({ ok: false, errors: [{ field: 'params' }] });
    expect(expandTemplate({ template: 'inactivity-churn', params: { pAliveBelow: 0.1, noPurchaseFor: 'P1D' } })).toMatchObject({ ok: false, errors: [{ field: 'params' }] });
  });

  it('names the parameter that is missing, unknown or wrong', () => {
    expect(expandTemplate({ template: 'win-back', params: { offerId: 'x', pAliveBelow: 2, colour: 'red' } })).toEqual({
      ok: false,
      errors: [
        { field: 'params.colour', message: 'params.colour is not a parameter of win-back' },
        { field: 'params.pAliveBelow', message: 'params.pAliveBelow must be a number between 0 and 1' },
      ],
    });
    expect(expandTemplate({ template: 'post-purchase' })).toMatchObject({ ok: false, errors: [{ field: 'params.after' }] });
    expect(expandTemplate({ template: 'nope', params: {} })).toMatchObject({ ok: false, errors: [{ field: 'template' }] });
  });

  it('checkPlaybook takes a template use or a definition', () => {
    expect(checkPlaybook({ template: 'post-purchase', params: { after: 'P3D' } }).ok).toBe(true);
    expect(checkPlaybook({ name: 'x', trigger: { event: 'purchased' }, steps: [{ action: { kind: 'task', title: 'Thank them' } }] }).ok).toBe(true);
  });
});
