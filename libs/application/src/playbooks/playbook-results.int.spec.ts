// Holdout and results over the real SQLite logs and read models: 2,000
// enrollments at a 0.2 holdout share, control never acted on, counted by the
// results with Newcombe's interval for the uplift.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { newcombeInterval } from '@rapport/analytics';
import { collectionsOf } from '@rapport/document-store';
import { SqliteDocumentStore } from '@rapport/document-store-sqlite';
import type { CustomerEventBody } from '@rapport/domain';
import { logOfCategory } from '@rapport/event-store';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import type { PlaybookEventType } from '@rapport/playbooks';
import { READ_MODELS } from '@rapport/projections';
import { CustomerCommands, type EventInput } from '../customer-commands.service';
import { CustomerReadModels } from '../customer-read-models';
import { LogSubscription } from '../log-subscription';
import { ProjectionHandler } from '../projection-handler';
import { PlaybookCatalogue } from './playbook-catalogue.service';
import { PlaybookResultsService } from './playbook-results.service';
import { PLAYBOOK_RUNNER_COLLECTIONS, PlaybookRunner } from './playbook-runner';

const CUSTOMERS = 2_000;
const DAY = 86_400_000;

describe('holdout and results (SQLite)', () => {
  let dir: string;
  let nowMs = Date.parse('2026-06-01T00:00:00Z');
  const clock = { now: () => new Date(nowMs) };
  const ids = { next: () => randomUUID() };

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-results-'));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps about a fifth as control, never acts on it, and counts both groups with the uplift’s interval', async () => {
    const log = SqliteEventStore.open(path.join(dir, 'events.sqlite'), { clock: clock.now });
    const playbookLog = logOfCategory<PlaybookEventType>(SqliteEventStore.open(path.join(dir, 'playbooks.sqlite'), { clock: clock.now }));
    const runnerStore = SqliteDocumentStore.open(path.join(dir, 'runner.sqlite'), PLAYBOOK_RUNNER_COLLECTIONS);
    const readModels = SqliteDocumentStore.open(path.join(dir, 'read-models.sqlite'), collectionsOf(READ_MODELS));
    try {
      const commands = new CustomerCommands(log, clock, ids);
      const catalogue = new PlaybookCatalogue(playbookLog, clock, ids);
      const published = await catalogue.publish('nudge', {
        name: 'Nudge after a contact',
        trigger: { event: 'contacted' },
        steps: [{ action: { kind: 'task', title: 'Follow up' } }],
        goal: { event: 'purchased', within: 'P30D' },
        holdout: 0.2,
      });
      expect(published.status).toBe('recorded');
      nowMs += 1_000;

      const record = async (input: EventInput) => expect((await commands.record(input)).status).toBe('recorded');
      for (let i = 0; i < CUSTOMERS; i++) {
        const customerId = `c-${i}`;
        await record({ customerId, type: 'identified', occurredAt: clock.now().toISOString(), data: {} } as EventInput);
        await record({ customerId, type: 'contacted', occurredAt: clock.now().toISOString(), data: { channel: 'email', direction: 'outbound' } } as EventInput);
      }
      const runner = new PlaybookRunner(log, commands, catalogue, runnerStore, clock, { consentDefault: 'opt-in', contactCap: { count: 1, periodMs: 7 * DAY } });
      await runner.catchUp();

      // Every third customer buys within the goal window: the goal converts treated and control alike.
      nowMs += 2 * DAY;
      for (let i = 0; i < CUSTOMERS; i += 3) {
        const body = { type: 'purchased', data: { orderId: `o-${i}`, amount: 2500, currency: 'EUR' } } as CustomerEventBody;
        await record({ ...body, customerId: `c-${i}`, occurredAt: clock.now().toISOString() } as EventInput);
      }
      await runner.catchUp();
      await new LogSubscription(log, new ProjectionHandler(readModels), readModels).catchUp();

      let holdout = 0;
      let converted = { treated: 0, holdout: 0 };
      let revenue = { treated: 0, holdout: 0 };
      for (let i = 0; i < CUSTOMERS; i++) {
        const events = await log.readStream(`c-${i}`);
        const enrolled = events.filter((e) => e.type === 'playbook_enrolled');
        expect(enrolled).toHaveLength(1);
        const control = (enrolled[0]!.data as { holdout: boolean }).holdout;
        if (control) holdout++;
        const group = control ? 'holdout' : 'treated';
        // Control: recorded as held back, never requested.
        expect(events.filter((e) => e.type === 'action_requested')).toHaveLength(control ? 0 : 1);
        expect(events.filter((e) => e.type === 'action_suppressed').map((e) => (e.data as { reason: string }).reason)).toEqual(control ? ['HOLDOUT'] : []);
        if (events.some((e) => e.type === 'playbook_exited' && (e.data as { outcome: string }).outcome === 'converted')) {
          converted = { ...converted, [group]: converted[group] + 1 };
          revenue = { ...revenue, [group]: revenue[group] + 2500 };
        }
      }
      expect(Math.abs(holdout / CUSTOMERS - 0.2)).toBeLessThanOrEqual(0.03);
      expect(converted.treated + converted.holdout).toBe(Math.ceil(CUSTOMERS / 3));

      const results = await new PlaybookResultsService(new CustomerReadModels(readModels), catalogue).results('nudge');
      expect(results).toMatchObject({
        playbookId: 'nudge',
        enrolled: CUSTOMERS,
        running: CUSTOMERS - converted.treated - converted.holdout,
        treated: { enrollments: CUSTOMERS - holdout, converted: converted.treated, revenue: { EUR: revenue.treated } },
        holdout: { enrollments: holdout, converted: converted.holdout, revenue: { EUR: revenue.holdout } },
      });
      const treatedRate = converted.treated / (CUSTOMERS - holdout);
      const holdoutRate = converted.holdout / holdout;
      expect(results!.uplift!.difference).toBeCloseTo(treatedRate - holdoutRate, 12);
      expect(results!.uplift!.interval).toEqual(newcombeInterval(converted.treated, CUSTOMERS - holdout, converted.holdout, holdout));
      expect(results!.uplift!.interval.lower).toBeLessThan(results!.uplift!.difference);
      expect(results!.uplift!.interval.upper).toBeGreaterThan(results!.uplift!.difference);
      expect(await new PlaybookResultsService(new CustomerReadModels(readModels), catalogue).results('nudge', 2)).toBeUndefined();
    } finally {
      await Promise.all([log.close(), playbookLog.close(), runnerStore.close(), readModels.close()]);
    }
  }, 120_000);
});
