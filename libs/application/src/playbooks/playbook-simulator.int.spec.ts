// What-if over real history: CDNOW's 2,357 customers imported into a SQLite
// log, the win-back template simulated from 1997-10-01 to 1998-06-30 with
// signals fired daily and BG/NBD fitted as of each day. Each enrollment is
// checked against the closed-form P(alive) computed here from the raw file,
// and each conversion against the recorded purchases. Nothing is written.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { collectionsOf } from '@rapport/document-store';
import { SqliteDocumentStore } from '@rapport/document-store-sqlite';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import { expandTemplate, type PlaybookDefinition } from '@rapport/playbooks';
import { READ_MODELS } from '@rapport/projections';
import { AnalyticsService } from '../analytics.service';
import { CustomerCommands, type EventInput } from '../customer-commands.service';
import { CustomerReadModels } from '../customer-read-models';
import { LogSubscription } from '../log-subscription';
import { ProjectionHandler } from '../projection-handler';
import { PlaybookSimulator } from './playbook-simulator';

jest.setTimeout(300_000);

const CDNOW = path.resolve(__dirname, '../../../../../shared/data/cdnow/CDNOW_sample.txt');
const DAY = 86_400_000;
const THRESHOLD = 0.3;

interface Purchase {
  readonly day: number;
  readonly at: string;
}

function cdnow(): Map<string, Purchase[]> {
  const byCustomer = new Map<string, Purchase[]>();
  for (const line of fs.readFileSync(CDNOW, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const [, id, date] = line.trim().split(/\s+/) as [string, string, string];
    const at = `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T00:00:00Z`;
    const purchases = byCustomer.get(String(Number(id))) ?? [];
    purchases.push({ day: Date.parse(at) / DAY, at });
    byCustomer.set(String(Number(id)), purchases);
  }
  return byCustomer;
}

/** BG/NBD P(alive) in closed form (Fader, Hardie & Lee 2008), from the raw purchases as of a day. */
function closedFormPAlive(params: { r: number; alpha: number; a: number; b: number }, purchases: readonly Purchase[], asOfDay: number): number {
  const days = [...new Set(purchases.filter((p) => p.day <= asOfDay).map((p) => p.day))].sort((x, y) => x - y);
  const x = days.length - 1;
  if (x === 0) return 1;
  const tx = (days[days.length - 1]! - days[0]!) / 7;
  const T = (asOfDay - days[0]!) / 7;
  const { r, alpha, a, b } = params;
  return 1 / (1 + (a / (b + x - 1)) * Math.pow((alpha + T) / (alpha + tx), r + x));
}

describe('simulating win-back over CDNOW (SQLite)', () => {
  let dir: string;
  let log: SqliteEventStore;
  let readModels: SqliteDocumentStore;
  let analytics: AnalyticsService;
  const purchases = cdnow();

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-simulate-'));
    log = SqliteEventStore.open(path.join(dir, 'events.sqlite'));
    readModels = SqliteDocumentStore.open(path.join(dir, 'read-models.sqlite'), collectionsOf(READ_MODELS));
    const commands = new CustomerCommands(log, { now: () => new Date() }, { next: () => randomUUID() });
    let line = 0;
    for (const [customerId, list] of purchases) {
      const inputs = list.map(
        (p) => ({ customerId, type: 'purchased', occurredAt: p.at, data: { orderId: `l${++line}`, amount: 1000, currency: 'USD' } }) as EventInput,
      );
      const outcomes = await commands.recordAll(customerId, inputs);
      expect(outcomes.every((o) => o.status === 'recorded')).toBe(true);
    }
    await new LogSubscription(log, new ProjectionHandler(readModels), readModels).catchUp();
    analytics = new AnalyticsService(new CustomerReadModels(readModels));
  });
  afterAll(async () => {
    await Promise.all([log.close(), readModels.close()]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('enrolls only customers whose P(alive) was under the threshold that day, and counts conversions from the recorded purchases, writing nothing', async () => {
    const check = expandTemplate({ template: 'win-back', params: { pAliveBelow: THRESHOLD, offerId: 'WB-10', holdout: 0.1 } });
    if (!check.ok) throw new Error(JSON.stringify(check.errors));
    const definition: PlaybookDefinition = check.definition;
    const head = await log.headPosition();
    const simulator = new PlaybookSimulator(log, analytics, { consentDefault: 'opt-out', contactCap: { count: 1, periodMs: 7 * DAY }, currency: 'USD' });
    const result = await simulator.simulate({ definition, from: '1997-10-01T00:00:00Z', to: '1998-06-30T23:59:59Z' });

    expect(await log.headPosition()).toBe(head);
    expect(result.enrolled).toBeGreaterThan(20);
    expect(result.truncated).toBe(false);
    expect(result.enrollments).toHaveLength(result.enrolled);
    expect(result.treated + result.holdout).toBe(result.enrolled);
    expect(result.days.reduce((n, d) => n + d.enrolled, 0)).toBe(result.enrolled);

    const fits = new Map<string, { r: number; alpha: number; a: number; b: number }>();
    let converted = 0;
    for (const enrollment of result.enrollments) {
      const asOf = enrollment.enrolledAt;
      // Signals fire at 00:00 UTC, and the trigger says when.
      expect(asOf.endsWith('T00:00:00.000Z')).toBe(true);
      expect(enrollment.trigger).toEqual({ signal: 'p_alive_below', firedAt: asOf });
      if (!fits.has(asOf)) {
        const { fit } = await analytics.bgnbd(asOf);
        expect(fit.converged).toBe(true);
        fits.set(asOf, fit.converged ? fit.params : { r: NaN, alpha: NaN, a: NaN, b: NaN });
      }
      const list = purchases.get(enrollment.customerId)!;
      const pAlive = closedFormPAlive(fits.get(asOf)!, list, Date.parse(asOf) / DAY);
      expect(pAlive).toBeLessThan(THRESHOLD);

      // A purchase within 30 days after enrolling converts; none means the goal was missed when the window closed.
      const start = Date.parse(asOf);
      const boughtInWindow = list.some((p) => p.day * DAY > start && p.day * DAY <= start + 30 * DAY);
      const windowClosed = start + 30 * DAY <= Date.parse('1998-06-30T23:59:59Z');
      if (boughtInWindow) {
        expect(enrollment.outcome).toBe('converted');
        converted++;
      } else if (windowClosed) expect(enrollment.outcome).toBe('goal_missed');
      else expect(enrollment.outcome).toBeUndefined();
    }
    expect(result.outcomes.converted ?? 0).toBe(converted);
    // A control enrollment's offer is held back; treated ones go out (opt-out consent) or meet the contact cap.
    expect(result.actions.suppressed.HOLDOUT ?? 0).toBe(result.holdout);
    expect(result.actions.requested + (result.actions.suppressed.CONTACT_CAP ?? 0)).toBe(result.treated);
    console.log(`simulated win-back over CDNOW: ${result.enrolled} enrolled (${result.holdout} holdout), ${result.actions.requested} offers, ${converted} converted`);
  });
});
