// Schema evolution, end to end: a committed log written when `purchased` was at
// schema version 1 (amounts as decimal strings of major units) replays through
// today's code into exactly the read models, decider states and analytics that
// the same history written today (version 2, integer minor units) gives, while
// audit shows, exports and verifies it as recorded.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fold } from '@rapport/domain';
import { schemaVersionOf, type EventStore, type RecordedEvent } from '@rapport/event-store';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import { writeRecordedHistory } from '@rapport/event-store-sqlite/testing';
import { fromCustomerEventMessage, toCustomerEventMessage } from '@rapport/messaging';
import { collectionsOf } from '@rapport/document-store';
import { SqliteDocumentStore } from '@rapport/document-store-sqlite';
import { READ_MODELS } from '@rapport/projections';
import { AnalyticsService } from './analytics.service';
import { exportEvents, renderExport } from './audit-export';
import { AuditService } from './audit.service';
import { CustomerCommands, type EventInput } from './customer-commands.service';
import { CustomerReadModels } from './customer-read-models';
import { LogSubscription } from './log-subscription';
import { ProjectionHandler } from './projection-handler';
import { toCustomerEvent } from './recorded-event.mapper';

const FIXTURE = join(__dirname, 'testing', 'fixtures', 'purchased-v1.log.jsonl');
const CUSTOMERS = ['ada', 'bob', 'cy'];
const CURRENCIES = ['USD', 'EUR', 'JPY', 'KWD'];
const AS_OF = '2025-12-31T00:00:00Z';

/** What each order's amount is in minor units, worked out by hand from the fixture's v1 strings (not by the upcaster). */
const MINOR_UNITS: Record<string, { v1: string | number; minor: number }> = {
  'o-2001': { v1: '0.5', minor: 50 }, // EUR
  'o-3001': { v1: 2500, minor: 2500 }, // USD: an integer already, like every v1 purchase this codebase recorded
  'o-1001': { v1: '49.99', minor: 4999 }, // USD
  'o-2002': { v1: '12.345', minor: 12345 }, // KWD: three decimals
  'o-1002': { v1: '1250', minor: 1250 }, // JPY: no decimals
  'o-3002': { v1: '0.00', minor: 0 }, // USD: a free order
  'o-2003': { v1: '19.90', minor: 1990 }, // EUR, by a churned customer: the decider added a won_back
};

const fixtureText = readFileSync(FIXTURE, 'utf8');

/** The fixture is a `rapport export` (JSON Lines) of the old log: recorded events plus their stream name. */
function fixtureEvents(): RecordedEvent[] {
  return fixtureText
    .trimEnd()
    .split('\n')
    .map((line) => {
      const { stream: _stream, ...event } = JSON.parse(line) as RecordedEvent & { stream: string };
      return event;
    });
}

function oldLog(): SqliteEventStore {
  const log = SqliteEventStore.open(':memory:');
  writeRecordedHistory(log, fixtureEvents());
  return log;
}

/** An implicit won_back: the decider records it with the purchase that caused it. */
const causedBy = (event: RecordedEvent | undefined, cause: RecordedEvent | undefined) =>
  event?.type === 'won_back' && cause !== undefined && event.metadata.causationId === cause.eventId;

/**
 * The same history sent to today's code: the same ids, times and metadata,
 * amounts in integer minor units, the won_back left to the decider, each event
 * recorded at the instant the old log recorded it.
 */
async function todaysLog(): Promise<SqliteEventStore> {
  const history = fixtureEvents();
  let recordedAt = '';
  let implicitEventId = '';
  const log = SqliteEventStore.open(':memory:', { clock: () => new Date(recordedAt) });
  const commands = new CustomerCommands(log, { now: () => new Date('2026-01-01T00:00:00Z') }, { next: () => implicitEventId });
  for (const [i, event] of history.entries()) {
    if (causedBy(event, history[i - 1])) continue;
    recordedAt = event.recordedAt;
    implicitEventId = causedBy(history[i + 1], event) ? history[i + 1]!.eventId : randomUUID();
    const data = event.type === 'purchased' ? { ...(event.data as object), amount: MINOR_UNITS[(event.data as { orderId: string }).orderId]!.minor } : event.data;
    const input = { customerId: event.customerId, eventId: event.eventId, type: event.type, occurredAt: event.occurredAt, data, metadata: event.metadata } as EventInput;
    const outcome = await commands.record(input);
    expect(outcome.status).toBe('recorded');
  }
  return log;
}

/** Every read model and analytics answer the history yields, from a fresh embedded read store. */
async function readModels(project: (subscription: LogSubscription, handler: ProjectionHandler) => Promise<unknown>, log: EventStore) {
  const documents = SqliteDocumentStore.open(':memory:', collectionsOf(READ_MODELS));
  const readStore = new CustomerReadModels(documents);
  try {
    const handler = new ProjectionHandler(documents);
    await project(new LogSubscription(log, handler, documents), handler);
    const facts = [];
    for await (const fact of readStore.scanFacts()) facts.push(fact);
    const analytics = new AnalyticsService(readStore);
    return {
      customers: await readStore.getCustomers(CUSTOMERS),
      list: await readStore.listCustomers({ limit: 10 }),
      timelines: await Promise.all(CUSTOMERS.map((id) => readStore.getTimeline(id, { limit: 100 }))),
      facts,
      revenue: await Promise.all(CURRENCIES.map((currency) => analytics.revenue(AS_OF, currency, 'month'))),
      rfm: await analytics.rfm(AS_OF, 'USD'),
      funnel: await analytics.funnel(AS_OF),
      winBack: await analytics.winBack(AS_OF),
    };
  } finally {
    await readStore.close();
  }
}

const byRunner = (subscription: LogSubscription) => subscription.catchUp();

async function deciderStates(log: EventStore) {
  return Promise.all(CUSTOMERS.map(async (id) => fold((await log.readStream(id)).map(toCustomerEvent))));
}

describe('schema evolution: a log written at purchased v1, replayed through today\'s code', () => {
  let old: SqliteEventStore;
  let today: SqliteEventStore;

  beforeEach(async () => {
    old = oldLog();
    today = await todaysLog();
  });
  afterEach(async () => {
    await Promise.all([old.close(), today.close()]);
  });

  it('is the v1 log it claims to be, and today writes the same history at v2', async () => {
    const purchases = (events: RecordedEvent[]) => events.filter((e) => e.type === 'purchased');
    const recorded = purchases(await old.readAll());
    expect(recorded.map((e) => [(e.data as { orderId: string }).orderId, (e.data as { amount: unknown }).amount])).toEqual(
      Object.entries(MINOR_UNITS).map(([orderId, { v1 }]) => [orderId, v1]),
    );
    expect(recorded.every((e) => !Object.hasOwn(e, 'schemaVersion'))).toBe(true);
    expect(purchases(await today.readAll()).map((e) => [e.schemaVersion, (e.data as { amount: number }).amount])).toEqual(
      Object.values(MINOR_UNITS).map(({ minor }) => [2, minor]),
    );
    // Everything else is the same event at the same place, down to the implicit won_back.
    const shape = (e: RecordedEvent) => [e.eventId, e.type, e.customerId, e.revision, e.position, e.occurredAt, e.recordedAt];
    expect((await today.readAll()).map(shape)).toEqual((await old.readAll()).map(shape));
  });

  it('projects the read models and answers analytics exactly as the history written today does', async () => {
    const fromOld = await readModels(byRunner, old);
    const fromToday = await readModels(byRunner, today);
    expect(fromOld).toEqual(fromToday);
    // Not equal by being empty: the amounts arrived in minor units.
    expect(fromOld.customers.get('ada')?.purchases.byCurrency).toEqual({ USD: expect.objectContaining({ orders: 1, amount: 4999 }), JPY: expect.objectContaining({ orders: 1, amount: 1250 }) });
    expect(fromOld.customers.get('bob')).toMatchObject({ stage: 'repeat', purchases: { count: 3, byCurrency: { EUR: { amount: 2040 }, KWD: { amount: 12345 } } } });
    const usd = fromOld.revenue[0]!;
    expect([usd.reduce((sum, p) => sum + p.revenue, 0), usd.reduce((sum, p) => sum + p.orders, 0)]).toEqual([4999 + 2500 + 0, 3]);
  });

  it('projects the same through the Kafka path: relayed as recorded, upcast by the projector', async () => {
    const messages = (await old.readAll()).map((event) => {
      const message = toCustomerEventMessage(event);
      return { key: Buffer.from(message.key), value: Buffer.from(message.value), headers: Object.fromEntries(Object.entries(message.headers).map(([k, v]) => [k, Buffer.from(v)])) };
    });
    // The topic is a copy of the log: v1 payloads and their version, not today's shape.
    const purchase = messages.find((m) => JSON.parse(m.value.toString()).data.orderId === 'o-1001')!;
    expect(JSON.parse(purchase.value.toString()).data.amount).toBe('49.99');
    expect(purchase.headers.rapport_schema_version!.toString()).toBe('1');
    const fromTopic = await readModels((_subscription, handler) => handler.handle(messages.map(fromCustomerEventMessage)), old);
    expect(fromTopic).toEqual(await readModels(byRunner, today));
  });

  it('folds the decider\'s states, and audit replays them, as from the history written today', async () => {
    expect(await deciderStates(old)).toEqual(await deciderStates(today));
    const audit = (log: EventStore) => Promise.all(CUSTOMERS.map((id) => new AuditService(log).stateAt(id, { atRevision: 100 })));
    expect(await audit(old)).toEqual(await audit(today));
  });

  it('decides against v1 orders in today\'s terms: the same order re-sent today is a duplicate, a changed one a conflict', async () => {
    const commands = new CustomerCommands(old, { now: () => new Date('2026-01-01T00:00:00Z') }, { next: () => randomUUID() });
    const resend = (amount: number) =>
      commands.record({
        customerId: 'ada',
        type: 'purchased',
        occurredAt: '2025-02-01T11:15:00+01:00',
        data: { orderId: 'o-1001', amount, currency: 'USD', campaignId: 'spring-25', offerId: 'welcome-10' },
      });
    expect(await resend(4999)).toMatchObject({ status: 'duplicate', event: { eventId: '0b6f3a52-6d0e-4c1e-9a57-1f0c8e6b2a07' } });
    expect(await resend(5000)).toMatchObject({ status: 'rejected', code: 'CONFLICTING_DUPLICATE' });
    // A new purchase on the old log is recorded at today's version, after the v1 ones, and the chain holds.
    const recorded = await commands.record({ customerId: 'ada', type: 'purchased', occurredAt: '2025-06-01T00:00:00Z', data: { orderId: 'o-1003', amount: 700, currency: 'USD' } });
    expect(recorded).toMatchObject({ status: 'recorded', events: [{ schemaVersion: 2, revision: 7 }] });
    expect(await new AuditService(old).verify('ada')).toMatchObject({ ok: true, checked: 8 });
  });

  it('audits the log as recorded: history shows the v1 payload, export reproduces the fixture byte for byte, every chain verifies', async () => {
    const audit = new AuditService(old);
    for (const id of CUSTOMERS) {
      const events = fixtureEvents().filter((e) => e.customerId === id);
      expect(await audit.verify(id)).toEqual({ customerId: id, ok: true, checked: events.length, lastHash: events[events.length - 1]!.hash });
    }
    const history = await audit.history('ada', 0, 100);
    const purchase = history.events.find((e) => e.eventId === '0b6f3a52-6d0e-4c1e-9a57-1f0c8e6b2a07')!;
    expect(purchase.data).toEqual({ orderId: 'o-1001', amount: '49.99', currency: 'USD', campaignId: 'spring-25', offerId: 'welcome-10' });
    expect(schemaVersionOf(purchase)).toBe(1);
    let exported = '';
    for await (const line of renderExport(exportEvents(old), 'jsonl')) exported += line;
    expect(exported).toBe(fixtureText);
    // The history written today is audited just as well, at version 2.
    const todays = await new AuditService(today).history('ada', 0, 100);
    expect(todays.events.find((e) => e.eventId === purchase.eventId)).toMatchObject({ schemaVersion: 2, data: { amount: 4999 } });
    for (const id of CUSTOMERS) expect(await new AuditService(today).verify(id)).toMatchObject({ ok: true });
  });
});
