// The relationship loop as data: every transition of the table, the absence of
// the ones it does not have, and that the loop reaches (and closes over) every stage.
import { EVENT_TYPES, type CustomerEventType } from './events';
import {
  ENTRY_STAGE,
  LOOP,
  nextStage,
  PHASES,
  REPEAT_ORDER_COUNT,
  STAGES,
  stagesAccepting,
  type Stage,
} from './loop';

describe('the relationship loop', () => {
  it('walks identify → acquire → nurture → retain → win-back', () => {
    expect(LOOP.map((t) => [t.phase, t.event, t.from, t.to])).toEqual([
      ['identify', 'identified', [null], 'prospect'],
      ['acquire', 'qualified', ['prospect'], 'qualified'],
      ['nurture', 'purchased', ['prospect', 'qualified', 'customer'], 'by-orders'],
      ['retain', 'purchased', ['repeat'], 'repeat'],
      ['win-back', 'churned', ['customer', 'repeat'], 'churned'],
      ['win-back', 'won_back', ['churned'], 'by-orders'],
    ]);
    expect(new Set(LOOP.map((t) => t.phase))).toEqual(new Set(PHASES));
  });

  it('names only known stages and events', () => {
    for (const t of LOOP) {
      expect(EVENT_TYPES).toContain(t.event);
      for (const from of t.from) if (from !== null) expect(STAGES).toContain(from);
      if (t.to !== 'by-orders') expect(STAGES).toContain(t.to);
    }
  });

  it('is a function: no stage has two transitions for one event', () => {
    for (const event of EVENT_TYPES) {
      const from = stagesAccepting(event);
      expect(new Set(from).size).toBe(from.length);
    }
  });

  it('enters every stream as a prospect, and needs two distinct orders for repeat', () => {
    expect(ENTRY_STAGE).toBe('prospect');
    expect(REPEAT_ORDER_COUNT).toBe(2);
  });

  describe('nextStage for each transition', () => {
    it.each<[Stage | null, CustomerEventType, number, Stage]>([
      // identify
      [null, 'identified', 0, 'prospect'],
      // acquire
      ['prospect', 'qualified', 0, 'qualified'],
      // nurture: the first order makes a customer, whatever came before
      ['prospect', 'purchased', 1, 'customer'],
      ['qualified', 'purchased', 1, 'customer'],
      ['customer', 'purchased', 1, 'customer'],
      // ...and a second distinct order a repeat customer
      ['customer', 'purchased', 2, 'repeat'],
      ['prospect', 'purchased', 2, 'repeat'],
      ['qualified', 'purchased', 3, 'repeat'],
      // retain
      ['repeat', 'purchased', 2, 'repeat'],
      ['repeat', 'purchased', 7, 'repeat'],
      // win-back
      ['customer', 'churned', 1, 'churned'],
      ['repeat', 'churned', 2, 'churned'],
      ['churned', 'won_back', 1, 'customer'],
      ['churned', 'won_back', 2, 'repeat'],
      ['churned', 'won_back', 9, 'repeat'],
    ])('%s --%s (%i distinct orders)--> %s', (from, event, orders, to) => {
      expect(nextStage(from, event, orders)).toBe(to);
    });

    it.each<[Stage | null, CustomerEventType]>([
      // a stream with no stage only moves by identification; the decider enters it as a prospect first
      [null, 'qualified'],
      [null, 'purchased'],
      [null, 'contacted'],
      // identification does not move a known customer back
      ['prospect', 'identified'],
      ['qualified', 'identified'],
      ['customer', 'identified'],
      ['churned', 'identified'],
      // re-qualification keeps the stage
      ['qualified', 'qualified'],
      ['customer', 'qualified'],
      ['repeat', 'qualified'],
      ['churned', 'qualified'],
      // a churned customer's purchase moves through the implicit won_back, not by itself
      ['churned', 'purchased'],
      // only customers churn, only the churned are won back
      ['prospect', 'churned'],
      ['qualified', 'churned'],
      ['churned', 'churned'],
      ['prospect', 'won_back'],
      ['customer', 'won_back'],
      ['repeat', 'won_back'],
    ])('%s --%s--> no transition', (from, event) => {
      expect(nextStage(from, event, 1)).toBeUndefined();
    });

    it.each(['contacted', 'complained', 'complaint_resolved'] as const)('%s never moves a stage', (event) => {
      for (const stage of [null, ...STAGES]) expect(nextStage(stage, event, 2)).toBeUndefined();
      expect(stagesAccepting(event)).toEqual([]);
    });

    it('has a transition exactly from the stages that accept the event', () => {
      for (const event of EVENT_TYPES) {
        for (const stage of [null, ...STAGES]) {
          expect([event, stage, nextStage(stage, event, 1) !== undefined]).toEqual([
            event,
            stage,
            stagesAccepting(event).includes(stage),
          ]);
        }
      }
    });
  });

  it('stagesAccepting lists where each event may come from', () => {
    expect(stagesAccepting('identified')).toEqual([null]);
    expect(stagesAccepting('qualified')).toEqual(['prospect']);
    expect(stagesAccepting('purchased')).toEqual(['prospect', 'qualified', 'customer', 'repeat']);
    expect(stagesAccepting('churned')).toEqual(['customer', 'repeat']);
    expect(stagesAccepting('won_back')).toEqual(['churned']);
  });

  describe('reachability', () => {
    interface Node {
      readonly stage: Stage | null;
      readonly orders: number;
    }
    const key = (n: Node) => `${n.stage}/${n.orders}`;

    /** Follow the loop as the decider does: a new stream enters as a prospect unless identified; a purchase adds an order. */
    function step(node: Node, event: CustomerEventType): Node {
      const from = node.stage ?? (event === 'identified' ? null : ENTRY_STAGE);
      const orders = event === 'purchased' ? Math.min(node.orders + 1, REPEAT_ORDER_COUNT + 1) : node.orders;
      return { stage: nextStage(from, event, orders) ?? from, orders };
    }

    /** Every node reachable from `start`, with the shortest event path to it. */
    function explore(start: Node): Map<string, { node: Node; path: CustomerEventType[] }> {
      const seen = new Map([[key(start), { node: start, path: [] as CustomerEventType[] }]]);
      const queue = [start];
      for (let node = queue.shift(); node !== undefined; node = queue.shift()) {
        const { path } = seen.get(key(node))!;
        for (const event of EVENT_TYPES) {
          const next = step(node, event);
          if (!seen.has(key(next))) {
            seen.set(key(next), { node: next, path: [...path, event] });
            queue.push(next);
          }
        }
      }
      return seen;
    }

    const stagesFrom = (start: Node) => new Set([...explore(start).values()].map((r) => r.node.stage));
    const shortestPathTo = (stage: Stage) => {
      const paths = [...explore({ stage: null, orders: 0 }).values()].filter((r) => r.node.stage === stage);
      return paths.map((r) => r.path).sort((a, b) => a.length - b.length)[0];
    };

    it('every stage is reachable from a new stream', () => {
      const reached = stagesFrom({ stage: null, orders: 0 });
      for (const stage of STAGES) expect(reached).toContain(stage);
    });

    it.each<[Stage, CustomerEventType[]]>([
      ['prospect', ['identified']],
      ['qualified', ['qualified']],
      ['customer', ['purchased']],
      ['repeat', ['purchased', 'purchased']],
      ['churned', ['purchased', 'churned']],
    ])('the shortest way to %s is %j', (stage, path) => {
      expect(shortestPathTo(stage)).toEqual(path);
    });

    it('the loop closes: every customer can churn, and every churned customer can come back', () => {
      expect(stagesFrom({ stage: 'customer', orders: 1 })).toEqual(new Set(['customer', 'repeat', 'churned']));
      expect(stagesFrom({ stage: 'repeat', orders: 2 })).toEqual(new Set(['repeat', 'churned']));
      expect(stagesFrom({ stage: 'churned', orders: 1 })).toEqual(new Set(['churned', 'customer', 'repeat']));
    });

    it('nobody goes back to prospect or qualified once they bought', () => {
      for (const stage of ['customer', 'repeat', 'churned'] as const) {
        const reached = stagesFrom({ stage, orders: 1 });
        expect(reached).not.toContain('prospect');
        expect(reached).not.toContain('qualified');
      }
    });
  });
});
