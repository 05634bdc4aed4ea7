import type { Stage } from '@rapport/domain';
import { funnel, LOOP_CONVERSIONS, type StageHistory } from './funnel';

const h = (customerId: string, ...stages: [Stage, string][]): StageHistory => ({
  customerId,
  stages: stages.map(([stage, date]) => ({ stage, occurredAt: `2024-${date}T12:00:00Z` })),
});

// Stage histories in record order.
const histories: StageHistory[] = [
  h('p1', ['prospect', '01-01']),
  h('p2', ['prospect', '01-01'], ['qualified', '01-10']),
  h('p3', ['prospect', '01-01'], ['qualified', '01-05'], ['customer', '02-01'], ['repeat', '03-01']),
  h('p4', ['customer', '02-01']), // the stream began with a purchase: a prospect implicitly
  h('p5', ['prospect', '01-01'], ['customer', '01-15'], ['repeat', '02-01'], ['churned', '04-01'], ['repeat', '05-01']),
  h('p6', ['prospect', '01-01'], ['customer', '01-20'], ['churned', '03-01']),
  h('p7', ['prospect', '03-10'], ['customer', '03-05']), // late purchase: recorded after, dated before the identification
  h('p8', ['prospect', '07-05']), // after asOf
  h('p9', ['prospect', '01-01'], ['qualified', '08-01']), // qualified after asOf
];

describe('funnel', () => {
  it('reads its conversions off the loop table of @rapport/domain', () => {
    expect(LOOP_CONVERSIONS).toEqual([
      { phase: 'acquire', from: 'prospect', to: ['qualified'] },
      { phase: 'nurture', from: 'prospect', to: ['customer', 'repeat'] },
      { phase: 'nurture', from: 'qualified', to: ['customer', 'repeat'] },
      { phase: 'nurture', from: 'customer', to: ['repeat'] },
      { phase: 'win-back', from: 'customer', to: ['churned'] },
      { phase: 'win-back', from: 'repeat', to: ['churned'] },
      { phase: 'win-back', from: 'churned', to: ['customer', 'repeat'] },
    ]);
  });

  it('counts current stages, stages reached and conversions as of asOf', () => {
    const result = funnel(histories, '2024-06-30T23:59:59Z');
    expect(result.customers).toBe(8);
    expect(result.byStage).toEqual({ prospect: 2, qualified: 1, customer: 2, repeat: 2, churned: 1 });
    expect(result.reached).toEqual({ prospect: 8, qualified: 2, customer: 5, repeat: 2, churned: 2 });
    const rates = result.conversions.map((c) => [c.from, c.to.join('|'), c.entered, c.converted, c.rate]);
    expect(rates).toEqual([
      ['prospect', 'qualified', 8, 2, 0.25],
      ['prospect', 'customer|repeat', 8, 5, 5 / 8],
      ['qualified', 'customer|repeat', 2, 1, 0.5],
      ['customer', 'repeat', 5, 2, 0.4],
      ['customer', 'churned', 5, 2, 0.4], // p5 via repeat, p6 directly
      ['repeat', 'churned', 2, 1, 0.5],
      ['churned', 'customer|repeat', 2, 1, 0.5], // p5 won back
    ]);
  });

  it('takes the last recorded transition as the current stage, whatever the dates (late events)', () => {
    const result = funnel([histories[6]], '2024-06-30T23:59:59Z');
    expect(result.byStage.customer).toBe(1);
    expect(result.byStage.prospect).toBe(0);
    // Between the purchase and the identification only the purchase had happened.
    expect(funnel([histories[6]], '2024-03-07T00:00:00Z').byStage.customer).toBe(1);
  });

  it('an asOf in the past sees the funnel as it was', () => {
    const result = funnel(histories, '2024-02-15T00:00:00Z');
    expect(result.customers).toBe(7);
    expect(result.byStage).toEqual({ prospect: 2, qualified: 1, customer: 3, repeat: 1, churned: 0 });
    const wonBack = result.conversions.find((c) => c.from === 'churned')!;
    expect(wonBack).toMatchObject({ entered: 0, converted: 0, rate: 0 });
  });

  it('nobody: zeros everywhere', () => {
    const result = funnel([], '2024-01-01T00:00:00Z');
    expect(result.customers).toBe(0);
    expect(Object.values(result.byStage)).toEqual([0, 0, 0, 0, 0]);
  });
});
