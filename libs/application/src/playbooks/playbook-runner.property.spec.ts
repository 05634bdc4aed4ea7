// A property of the runner over real (in-memory SQLite) logs: for any history
// of complaints, resolutions and clock ticks, with the runner catching up and
// firing at arbitrary moments, (1) replaying the whole log through a runner
// that lost its store decides nothing new, and (2) the same history decides
// the same decisions, with the same eventIds, in another log.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { SqliteDocumentStore } from '@rapport/document-store-sqlite';
import type { CustomerEventBody } from '@rapport/domain';
import { logOfCategory } from '@rapport/event-store';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import type { PlaybookEventType } from '@rapport/playbooks';
import { CustomerCommands, type EventInput } from '../customer-commands.service';
import { PlaybookCatalogue } from './playbook-catalogue.service';
import { PLAYBOOK_RUNNER_COLLECTIONS, PlaybookRunner } from './playbook-runner';

const HOUR = 3_600_000;

type Step =
  | { readonly kind: 'complain'; readonly customer: number; readonly complaint: number; readonly hoursAgo: number }
  | { readonly kind: 'resolve'; readonly customer: number; readonly complaint: number }
  | { readonly kind: 'tick'; readonly minutes: number }
  | { readonly kind: 'run' };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('complain' as const), customer: fc.integer({ min: 0, max: 2 }), complaint: fc.integer({ min: 0, max: 3 }), hoursAgo: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ kind: fc.constant('resolve' as const), customer: fc.integer({ min: 0, max: 2 }), complaint: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant('tick' as const), minutes: fc.integer({ min: 1, max: 180 }) }),
  fc.constant({ kind: 'run' as const }),
);

/** One world: a customer log, a playbooks' log and a runner store, all in memory, on one clock. */
async function world() {
  let nowMs = Date.parse('2026-06-01T00:00:00Z');
  const clock = { now: () => new Date(nowMs) };
  const ids = { next: () => randomUUID() };
  const log = SqliteEventStore.open(':memory:', { clock: clock.now });
  const playbookLog = logOfCategory<PlaybookEventType>(SqliteEventStore.open(':memory:', { clock: clock.now }));
  const store = SqliteDocumentStore.open(':memory:', PLAYBOOK_RUNNER_COLLECTIONS);
  const commands = new CustomerCommands(log, clock, ids);
  const catalogue = new PlaybookCatalogue(playbookLog, clock, ids);
  await catalogue.publish('sla', { template: 'complaint-sla', params: { sla: 'PT2H' } });
  const runner = () => new PlaybookRunner(log, commands, catalogue, store, clock, { consentDefault: 'opt-in', contactCap: { count: 1, periodMs: 7 * 24 * HOUR } });
  const run = async (r = runner()) => {
    await r.catchUp();
    await r.fireDue();
  };
  return {
    log,
    store,
    runner,
    run,
    async apply(s: Step): Promise<void> {
      nowMs += 1_000;
      switch (s.kind) {
        case 'complain':
        case 'resolve': {
          const body: CustomerEventBody =
            s.kind === 'complain'
              ? { type: 'complained', data: { complaintId: `k-${s.complaint}`, category: 'billing', severity: 'high' } }
              : { type: 'complaint_resolved', data: { complaintId: `k-${s.complaint}`, resolution: 'refund' } };
          const occurredAt = new Date(nowMs - (s.kind === 'complain' ? s.hoursAgo * HOUR : 0)).toISOString();
          // A refusal (resolving a complaint that is not open, a complaint id again) is history too: nothing recorded.
          await commands.record({ ...body, customerId: `c-${s.customer}`, occurredAt } as EventInput);
          return;
        }
        case 'tick':
          nowMs += s.minutes * 60_000;
          return;
        case 'run':
          await run();
      }
    },
    /** The decisions in log order: who, what, its eventId, and when it is dated. */
    async decisions(): Promise<string[]> {
      const all = await log.readAll();
      return all.filter((e) => !['complained', 'complaint_resolved'].includes(e.type)).map((e) => `${e.customerId} ${e.type} ${e.eventId} ${e.occurredAt}`);
    },
    close: () => Promise.all([log.close(), playbookLog.close(), store.close()]),
  };
}

describe('the playbook runner, as a property', () => {
  it('decides nothing new on a replay, and the same history decides the same everywhere', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 30 }), async (steps) => {
        const [first, second] = [await world(), await world()];
        try {
          for (const s of steps) {
            await first.apply(s);
            await second.apply(s);
          }
          await first.run();
          await second.run();
          const decided = await first.decisions();
          // Deterministic: the other log holds the same decisions, eventIds included.
          expect(await second.decisions()).toEqual(decided);
          // Every decision once: no eventId twice (the log's unique index would refuse it anyway).
          expect(new Set(decided.map((d) => d.split(' ')[2])).size).toBe(decided.length);
          // A runner that lost its checkpoint and due times replays the whole log: nothing new.
          await first.store.reset();
          await first.run();
          expect(await first.decisions()).toEqual(decided);
        } finally {
          await Promise.all([first.close(), second.close()]);
        }
      }),
      { numRuns: 100 },
    );
  });
});
