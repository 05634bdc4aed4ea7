// The runner over the real SQLite logs and document store, with a clock the
// test moves: triggers, timers that survive a new runner, exits, pauses, and
// deciding nothing twice.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { collectionsOf, remove } from '@rapport/document-store';
import { SqliteDocumentStore } from '@rapport/document-store-sqlite';
import type { CustomerEventBody } from '@rapport/domain';
import { logOfCategory, verifyChain, type EventStore, type RecordedEvent } from '@rapport/event-store';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import type { PlaybookEventType } from '@rapport/playbooks';
import { READ_MODELS } from '@rapport/projections';
import { AnalyticsService } from '../analytics.service';
import { CustomerCommands } from '../customer-commands.service';
import { CustomerReadModels } from '../customer-read-models';
import { LogSubscription } from '../log-subscription';
import { ProjectionHandler } from '../projection-handler';
import { syntheticPurchases } from '../testing/synthetic-buyers';
import { AnalyticsFactsReader } from './analytics-facts.reader';
import { ReadModelSignalSource } from './signal-facts.reader';
import { PlaybookCatalogue } from './playbook-catalogue.service';
import { decisionEventId, PLAYBOOK_DUE, PLAYBOOK_REENTRY, PLAYBOOK_RUNNER_COLLECTIONS, PLAYBOOKS_CHECKPOINT, PlaybookRunner, type PlaybookRunnerOptions } from './playbook-runner';

const HOUR = 3_600_000;
const ids = { next: () => randomUUID() };

describe('PlaybookRunner on the SQLite logs', () => {
  let dir: string;
  let nowMs: number;
  /** The test's clock; `realTime` hands it to the system clock (both logs and the runner read it). */
  let realTime = false;
  const clock = { now: () => (realTime ? new Date() : new Date(nowMs)) };
  let log: SqliteEventStore;
  let playbookLog: EventStore<PlaybookEventType>;
  let runnerStore: SqliteDocumentStore;
  let commands: CustomerCommands;
  let catalogue: PlaybookCatalogue;
  const options: PlaybookRunnerOptions = { consentDefault: 'opt-in', contactCap: { count: 1, periodMs: 7 * 24 * HOUR } };

  const runner = () => new PlaybookRunner(log, new CustomerCommands(log, clock, ids), catalogue, runnerStore, clock, options);
  const at = (hoursFromNow: number) => new Date(nowMs + hoursFromNow * HOUR).toISOString();
  const record = async (customerId: string, body: CustomerEventBody, occurredAt = at(0)) => {
    const outcome = await commands.record({ ...body, customerId, occurredAt } as Parameters<CustomerCommands['record']>[0]);
    if (outcome.status !== 'recorded') throw new Error(JSON.stringify(outcome));
  };
  const decisions = async (customerId: string) =>
    (await log.readStream(customerId)).filter((e) => ['playbook_enrolled', 'action_requested', 'action_suppressed', 'playbook_exited'].includes(e.type));
  const summary = (events: readonly RecordedEvent[]) =>
    events.map((e) => [e.type, (e.data as { outcome?: string; reason?: string }).outcome ?? (e.data as { reason?: string }).reason ?? null]);
  const identified = (customerId: string) => record(customerId, { type: 'identified', data: { name: 'Ada' } } as CustomerEventBody);
  const complained = (customerId: string, complaintId: string, occurredAt?: string) =>
    record(customerId, { type: 'complained', data: { complaintId, category: 'billing', severity: 'high' } }, occurredAt);

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-runner-'));
    nowMs = Date.parse('2026-06-01T09:00:00Z');
    realTime = false;
    log = SqliteEventStore.open(path.join(dir, 'events.sqlite'), { clock: clock.now });
    playbookLog = logOfCategory<PlaybookEventType>(SqliteEventStore.open(path.join(dir, 'playbooks.sqlite'), { clock: clock.now }));
    runnerStore = SqliteDocumentStore.open(path.join(dir, 'runner.sqlite'), PLAYBOOK_RUNNER_COLLECTIONS);
    commands = new CustomerCommands(log, clock, ids);
    catalogue = new PlaybookCatalogue(playbookLog, clock, ids);
  });
  afterEach(async () => {
    await Promise.all([log.close(), playbookLog.close(), runnerStore.close()]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const publishSla = async (sla = 'PT48H') => {
    const outcome = await catalogue.publish('sla', { template: 'complaint-sla', params: { sla } }, { actor: 'admin' });
    expect(outcome.status).toBe('recorded');
    nowMs += 1_000;
  };

  it('a complaint that occurred 3 days ago under a 48-hour SLA escalates at once; the decisions carry derived eventIds', async () => {
    await publishSla();
    await identified('ada');
    await complained('ada', 'k-1', at(-72));
    await runner().catchUp();
    const recorded = await decisions('ada');
    expect(summary(recorded)).toEqual([
      ['playbook_enrolled', null],
      ['action_requested', null],
      ['playbook_exited', 'completed'],
    ]);
    expect(recorded[1]!).toMatchObject({ eventId: decisionEventId('sla/1/ada/1/1'), occurredAt: at(-24), metadata: { actor: 'playbook:sla' } });
    expect(recorded[1]!.data).toMatchObject({ actionId: 'sla/1/ada/1/1', action: { kind: 'task', priority: 'urgent', queue: 'service' } });
    expect(verifyChain(await log.readStream('ada')).ok).toBe(true);
    expect(await runnerStore.getCheckpoint(PLAYBOOKS_CHECKPOINT)).toBe(await log.headPosition());
  });

  it('arms a timer in the due-time model, fires it once when due, and a new runner over the same log fires nothing again', async () => {
    await publishSla();
    await identified('ada');
    await complained('ada', 'k-1');
    const first = runner();
    await first.catchUp();
    expect(summary(await decisions('ada'))).toEqual([['playbook_enrolled', null]]);
    expect(await runnerStore.get(PLAYBOOK_DUE, 'sla|ada')).toMatchObject({ dueAt: at(48) });

    nowMs += 48 * HOUR - 1_000;
    expect(await first.fireDue()).toBe(0);
    nowMs += 1_000;
    expect(await first.fireDue()).toBe(1);
    expect(summary(await decisions('ada'))).toEqual([
      ['playbook_enrolled', null],
      ['action_requested', null],
      ['playbook_exited', 'completed'],
    ]);
    expect(await runnerStore.get(PLAYBOOK_DUE, 'sla|ada')).toBeUndefined();

    // A restart, and a runner that lost its checkpoint and due times, replay the whole log: nothing new.
    const length = (await log.readStream('ada')).length;
    await first.fireDue();
    await runnerStore.reset();
    const second = runner();
    await second.catchUp();
    await second.fireDue();
    expect((await log.readStream('ada')).length).toBe(length);
  });

  it('two runners racing over one log decide every step once', async () => {
    await publishSla('PT1H');
    for (const id of ['a', 'b', 'c', 'd']) {
      await identified(id);
      await complained(id, `k-${id}`);
      await complained(id, `k2-${id}`);
    }
    const [one, two] = [runner(), runner()];
    await Promise.all([one.catchUp(), two.catchUp()]);
    nowMs += 2 * HOUR;
    await Promise.all([one.fireDue(), two.fireDue(), one.fireDue()]);
    for (const id of ['a', 'b', 'c', 'd']) {
      const recorded = await decisions(id);
      expect(recorded.filter((e) => e.type === 'action_requested')).toHaveLength(2);
      expect(recorded).toHaveLength(6);
    }
  });

  it('writes each due time once, however many customers it decided on before it reads its own decisions back', async () => {
    await publishSla('PT1H');
    const customers = Array.from({ length: 40 }, (_, i) => `c${i}`);
    for (const id of customers) {
      await identified(id);
      await complained(id, `k-${id}`);
    }
    // Every due-time write the store is asked for; a runner that keeps far fewer customers in memory than it decides on.
    const dueWrites: string[] = [];
    const counted = new Proxy(runnerStore, {
      get: (target, property, receiver) =>
        property === 'commit'
          ? (batch: Parameters<SqliteDocumentStore['commit']>[0]) => {
              for (const write of batch.writes) if (write.collection.name === PLAYBOOK_DUE.name) dueWrites.push(write.type === 'delete' ? write.id : write.type === 'update' ? '' : write.document._id);
              return target.commit(batch);
            }
          : Reflect.get(target, property, receiver),
    });
    const small = new PlaybookRunner(log, new CustomerCommands(log, clock, ids), catalogue, counted, clock, { ...options, cacheSize: 4 });
    await small.catchUp();
    expect(dueWrites.sort()).toEqual(customers.map((id) => `sla|${id}`).sort());
    expect(await runnerStore.getCheckpoint(PLAYBOOKS_CHECKPOINT)).toBe(await log.headPosition());
  });

  it('writes the due time of every playbook a customer was enrolled in, when a replay reads their decisions in separate batches', async () => {
    for (const id of ['sla-a', 'sla-b']) expect((await catalogue.publish(id, { template: 'complaint-sla', params: { sla: 'PT48H' } }, { actor: 'admin' })).status).toBe('recorded');
    nowMs += 1_000;
    await identified('ada');
    await complained('ada', 'k-1');
    await runner().catchUp();
    expect(summary(await decisions('ada'))).toEqual([
      ['playbook_enrolled', null],
      ['playbook_enrolled', null],
    ]);
    // The store lost (a crash before its commit landed, say); a replay in batches of 3 reads one enrollment per batch.
    await runnerStore.reset();
    await new PlaybookRunner(log, new CustomerCommands(log, clock, ids), catalogue, runnerStore, clock, { ...options, batchSize: 3 }).catchUp();
    expect([await runnerStore.get(PLAYBOOK_DUE, 'sla-a|ada'), await runnerStore.get(PLAYBOOK_DUE, 'sla-b|ada')]).toEqual([
      expect.objectContaining({ dueAt: at(48) }),
      expect.objectContaining({ dueAt: at(48) }),
    ]);
  });

  it('forgets on stop the due-time writes its store never took, and writes them on the next catch-up', async () => {
    await publishSla();
    await identified('ada');
    await complained('ada', 'k-1');
    let refusing = true;
    const flaky = new Proxy(runnerStore, {
      get: (target, property, receiver) =>
        property === 'commit'
          ? (batch: Parameters<SqliteDocumentStore['commit']>[0]) => (refusing ? Promise.reject(new Error('store unavailable')) : target.commit(batch))
          : Reflect.get(target, property, receiver),
    });
    const same = new PlaybookRunner(log, new CustomerCommands(log, clock, ids), catalogue, flaky, clock, options);
    // It enrolls her, then waits on a store that refuses the due time and the checkpoint; stopping gives them up.
    const first = same.catchUp();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await same.stop();
    await expect(first).rejects.toThrow('store unavailable');
    expect(summary(await decisions('ada'))).toEqual([['playbook_enrolled', null]]);
    expect(await runnerStore.get(PLAYBOOK_DUE, 'sla|ada')).toBeUndefined();
    // The same instance, the store back: it reads her enrollment again and writes its due time.
    refusing = false;
    await same.catchUp();
    expect(await runnerStore.get(PLAYBOOK_DUE, 'sla|ada')).toMatchObject({ dueAt: at(48) });
    expect(await runnerStore.getCheckpoint(PLAYBOOKS_CHECKPOINT)).toBe(await log.headPosition());
  });

  it('a complaint resolved before its SLA never escalates', async () => {
    await publishSla();
    await identified('ada');
    await complained('ada', 'k-1');
    const run = runner();
    await run.catchUp();
    nowMs += 24 * HOUR;
    await record('ada', { type: 'complaint_resolved', data: { complaintId: 'k-1', resolution: 'refund' } } as CustomerEventBody);
    await run.catchUp();
    nowMs += 48 * HOUR;
    await run.fireDue();
    expect(summary(await decisions('ada'))).toEqual([
      ['playbook_enrolled', null],
      ['playbook_exited', 'exited'],
    ]);
    expect(await runnerStore.get(PLAYBOOK_DUE, 'sla|ada')).toBeUndefined();
  });

  it('events recorded before a playbook was published, or while it was paused, enroll no one; a paused playbook fires nothing until resumed', async () => {
    await identified('ada');
    await complained('ada', 'before');
    nowMs += 1_000;
    await publishSla('PT1H');
    await complained('ada', 'running');
    const run = runner();
    await run.catchUp();
    expect((await catalogue.pause('sla', 'admin')).status).toBe('recorded');
    nowMs += 1_000;
    await complained('ada', 'while-paused');
    await run.catchUp();
    nowMs += 2 * HOUR;
    await run.fireDue();
    expect(summary(await decisions('ada'))).toEqual([['playbook_enrolled', null]]);
    expect(((await decisions('ada'))[0]!.data as { match: unknown }).match).toEqual({ complaintId: 'running' });

    expect((await catalogue.resume('sla', 'admin')).status).toBe('recorded');
    await run.fireDue();
    expect(summary(await decisions('ada'))).toEqual([
      ['playbook_enrolled', null],
      ['action_requested', null],
      ['playbook_exited', 'completed'],
    ]);
  });

  it('follows the log in the background and fires a due step within a second', async () => {
    realTime = true;
    await catalogue.publish('sla', { template: 'complaint-sla', params: { sla: 'PT2S' } });
    const run = new PlaybookRunner(log, commands, catalogue, runnerStore, clock, { ...options, tickMs: 100 });
    await run.start();
    try {
      await identified('ada');
      await complained('ada', 'k-1', new Date().toISOString());
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && (await decisions('ada')).length < 3) await new Promise((resolve) => setTimeout(resolve, 50));
      const recorded = await decisions('ada');
      expect(summary(recorded)).toEqual([
        ['playbook_enrolled', null],
        ['action_requested', null],
        ['playbook_exited', 'completed'],
      ]);
      // Recorded (by the log's clock) within a second of falling due.
      const late = Date.parse(recorded[1]!.recordedAt) - Date.parse(recorded[1]!.occurredAt);
      expect(late).toBeGreaterThanOrEqual(0);
      expect(late).toBeLessThan(1_000);
    } finally {
      await run.stop();
    }
  });

  it('a runner that lags behind a complaint and its resolution enrolls and ends it, and never escalates', async () => {
    await publishSla();
    await identified('ada');
    await complained('ada', 'k-1', at(-1));
    nowMs += HOUR;
    await record('ada', { type: 'complaint_resolved', data: { complaintId: 'k-1', resolution: 'refund' } } as CustomerEventBody);
    const run = runner();
    await run.catchUp();
    nowMs += 72 * HOUR;
    await run.fireDue();
    expect(summary(await decisions('ada'))).toEqual([
      ['playbook_enrolled', null],
      ['playbook_exited', 'exited'],
    ]);
  });

  it('re-arms a signal enrollment’s timer from the log: a runner whose store was lost finds it from the decisions', async () => {
    const waiting = { name: 'Call the lapsed, a day later', trigger: { signal: 'no_purchase_for', duration: 'P30D' }, steps: [{ wait: 'P1D' }, { action: { kind: 'task', title: 'Call' } }] };
    expect((await catalogue.publish('lapsed-call', waiting)).status).toBe('recorded');
    nowMs += 1_000;
    await identified('ed');
    const first = runner();
    // As a signal would: a decision recorded for the customer without any event the playbook listens to.
    await commands.record({
      customerId: 'ed',
      type: 'playbook_enrolled',
      eventId: decisionEventId('lapsed-call/1/ed/1/enrolled'),
      occurredAt: at(0),
      data: { playbookId: 'lapsed-call', version: 1, enrollmentId: 'lapsed-call/1', trigger: { signal: 'no_purchase_for', firedAt: at(0) }, holdout: false },
    } as Parameters<CustomerCommands['record']>[0]);
    await runnerStore.reset();
    await first.catchUp();
    expect(await runnerStore.get(PLAYBOOK_DUE, 'lapsed-call|ed')).toMatchObject({ dueAt: at(24) });
    nowMs += 25 * HOUR;
    await first.fireDue();
    expect(summary(await decisions('ed'))).toEqual([
      ['playbook_enrolled', null],
      ['action_requested', null],
      ['playbook_exited', 'completed'],
    ]);
  });

  it('suppresses marketing as the customer’s own stream says: no consent, erased, over the contact cap across playbooks — each recorded with its reason', async () => {
    const onQualified = (name: string, action: Record<string, unknown>) => ({ name, trigger: { event: 'qualified' }, steps: [{ action }] });
    expect((await catalogue.publish('welcome', onQualified('Welcome', { kind: 'message', templateId: 'welcome', channel: 'email' }))).status).toBe('recorded');
    expect((await catalogue.publish('offer', onQualified('Offer', { kind: 'offer', offerId: 'TEN', channel: 'email' }))).status).toBe('recorded');
    nowMs += 1_000;
    const consent = (customerId: string, granted: boolean) =>
      record(customerId, { type: 'consent_changed', data: { channel: 'email', purpose: 'marketing', granted } } as CustomerEventBody);
    const qualified = (customerId: string) => record(customerId, { type: 'qualified', data: { score: 80 } } as CustomerEventBody);

    await identified('granted');
    await consent('granted', true);
    await qualified('granted');
    await identified('silent');
    await qualified('silent');
    await identified('withdrawn');
    await consent('withdrawn', true);
    nowMs += 1_000;
    await consent('withdrawn', false);
    await qualified('withdrawn');
    await identified('erased');
    await consent('erased', true);
    await record('erased', { type: 'personal_data_erased', data: {} } as CustomerEventBody);
    await qualified('erased');
    await runner().catchUp();

    const outcomes = async (customerId: string) =>
      (await decisions(customerId))
        .filter((e) => e.type === 'action_requested' || e.type === 'action_suppressed')
        .map((e) => [(e.data as { playbookId: string }).playbookId, e.type === 'action_requested' ? 'requested' : (e.data as { reason: string }).reason]);
    // The cap (1 in 7 days) counts the welcome message decided a moment earlier for another playbook.
    expect(await outcomes('granted')).toEqual([
      ['welcome', 'requested'],
      ['offer', 'CONTACT_CAP'],
    ]);
    expect(await outcomes('silent')).toEqual([
      ['welcome', 'NO_CONSENT'],
      ['offer', 'NO_CONSENT'],
    ]);
    expect(await outcomes('withdrawn')).toEqual([
      ['welcome', 'NO_CONSENT'],
      ['offer', 'NO_CONSENT'],
    ]);
    expect(await outcomes('erased')).toEqual([
      ['welcome', 'ERASED'],
      ['offer', 'ERASED'],
    ]);

    // A week later the cap has room again.
    nowMs += 8 * 24 * HOUR;
    await qualified('granted');
    nowMs += 1_000;
    // Recorded under version 1 (never re-enrolls): nothing; version 2 re-enrolls on the next.
    await catalogue.publish('offer', { ...onQualified('Offer', { kind: 'offer', offerId: 'TEN', channel: 'email' }), reenroll: 'always' });
    nowMs += 1_000;
    await qualified('granted');
    await runner().catchUp();
    expect((await outcomes('granted')).slice(2)).toEqual([['offer', 'requested']]);
  });

  it('counts a step that ran late against the cap when it went out, not when it fell due', async () => {
    const later = { name: 'Welcome a day later', trigger: { event: 'qualified' }, steps: [{ wait: 'P1D' }, { action: { kind: 'message', templateId: 'w', channel: 'email' } }] };
    const offer = { name: 'Offer on contact', trigger: { event: 'contacted' }, steps: [{ action: { kind: 'offer', offerId: 'TEN', channel: 'email' } }] };
    expect((await catalogue.publish('welcome', later)).status).toBe('recorded');
    expect((await catalogue.publish('offer', offer)).status).toBe('recorded');
    nowMs += 1_000;
    await identified('gus');
    await record('gus', { type: 'consent_changed', data: { channel: 'email', purpose: 'marketing', granted: true } } as CustomerEventBody);
    await record('gus', { type: 'qualified', data: { score: 90 } } as CustomerEventBody);
    const run = runner();
    await run.catchUp();
    // Paused for ten days: the welcome falls due on day 1 and goes out on resume, dated day 1.
    await catalogue.pause('welcome');
    nowMs += 10 * 24 * HOUR;
    await run.fireDue();
    await catalogue.resume('welcome');
    await run.fireDue();
    nowMs += HOUR;
    await record('gus', { type: 'contacted', data: { channel: 'phone', direction: 'inbound' } } as CustomerEventBody);
    await run.catchUp();
    const outcomes = (await decisions('gus'))
      .filter((e) => e.type === 'action_requested' || e.type === 'action_suppressed')
      .map((e) => [(e.data as { playbookId: string }).playbookId, e.type === 'action_requested' ? 'requested' : (e.data as { reason: string }).reason]);
    // An hour after the welcome went out, the offer meets the cap of one in seven days.
    expect(outcomes).toEqual([
      ['welcome', 'requested'],
      ['offer', 'CONTACT_CAP'],
    ]);
  });

  describe('signals', () => {
    let readModels: SqliteDocumentStore;
    let subscription: LogSubscription;
    let signalRunner: PlaybookRunner;

    beforeEach(() => {
      readModels = SqliteDocumentStore.open(path.join(dir, 'read-models.sqlite'), collectionsOf(READ_MODELS));
      subscription = new LogSubscription(log, new ProjectionHandler(readModels), readModels);
      const models = new CustomerReadModels(readModels);
      signalRunner = new PlaybookRunner(log, commands, catalogue, runnerStore, clock, { ...options, signals: new ReadModelSignalSource(models, new AnalyticsService(models)), signalEveryMs: HOUR });
    });
    afterEach(async () => {
      await readModels.close();
    });

    const lapsed = {
      name: 'Call lapsed buyers',
      trigger: { signal: 'no_purchase_for', duration: 'P30D' },
      steps: [{ action: { kind: 'task', title: 'Call them' } }],
      reenroll: 'P60D',
    };
    const bought = (customerId: string, daysAgo: number) =>
      record(customerId, { type: 'purchased', data: { orderId: `o-${customerId}`, amount: 1000, currency: 'USD' } } as CustomerEventBody, at(-24 * daysAgo));

    it('carries out a record action by recording its event through the customer decider, and acknowledges it delivered or failed', async () => {
      await identified('lapsed');
      await bought('lapsed', 40);
      await identified('prospect');
      nowMs += 2 * 24 * HOUR;
      await subscription.catchUp();
      expect((await catalogue.publish('churn', { template: 'inactivity-churn', params: { noPurchaseFor: 'P30D' } })).status).toBe('recorded');
      // A prospect cannot churn: the customer decider refuses, and the action is acknowledged failed.
      const churnProspects = { name: 'Churn prospects', trigger: { signal: 'stage_for', stage: 'prospect', duration: 'P1D' }, steps: [{ action: { kind: 'record', event: { type: 'churned', data: { reason: 'inactivity' } } } }] };
      expect((await catalogue.publish('churn-prospects', churnProspects)).status).toBe('recorded');
      nowMs += 60_000;
      await signalRunner.signalsDue();

      const types = async (customerId: string) => (await log.readStream(customerId)).map((e) => e.type);
      // The acknowledgement follows the round's decisions, once the event's fate is known.
      expect(await types('lapsed')).toEqual(['identified', 'purchased', 'playbook_enrolled', 'action_requested', 'churned', 'playbook_exited', 'action_acknowledged']);
      const lapsed = await log.readStream('lapsed');
      expect(lapsed[4]!.data).toEqual({ reason: 'inactivity' });
      expect(lapsed[4]!.metadata).toMatchObject({ actor: 'playbook:churn', causationId: lapsed[3]!.eventId });
      expect(lapsed[6]!.data).toMatchObject({ actionId: 'churn/1/lapsed/1/0', status: 'delivered' });

      const prospect = await log.readStream('prospect');
      expect(prospect.map((e) => e.type)).toEqual(['identified', 'playbook_enrolled', 'action_requested', 'playbook_exited', 'action_acknowledged']);
      expect(prospect[4]!.data).toMatchObject({ status: 'failed', detail: expect.stringContaining('NOT_A_CUSTOMER') });
    });

    it('fires at publication and at the start of each period over every customer it holds for, once per instant', async () => {
      await identified('lapsed');
      await bought('lapsed', 40);
      await identified('recent');
      await bought('recent', 10);
      await identified('never');
      await subscription.catchUp();
      expect((await catalogue.publish('lapsed', lapsed)).status).toBe('recorded');
      nowMs += 60_000;

      // At publication: only the customer who last bought more than 30 days ago.
      expect(await signalRunner.signalsDue()).toBeGreaterThanOrEqual(1);
      const recorded = await decisions('lapsed');
      expect(summary(recorded)).toEqual([
        ['playbook_enrolled', null],
        ['action_requested', null],
        ['playbook_exited', 'completed'],
      ]);
      expect(recorded[0]!.data).toMatchObject({ trigger: { signal: 'no_purchase_for', firedAt: new Date(nowMs - 60_000).toISOString() } });
      expect(await decisions('recent')).toEqual([]);
      expect(await decisions('never')).toEqual([]);

      // The same instant again (a restart, a second runner) decides nothing new; the next period re-enrolls no one before P60D.
      const slot = new Date(nowMs - (nowMs % HOUR)).toISOString();
      // Its re-entry document says when it may enter again: the evaluation skips it without reading its stream.
      const exitedAt = recorded[2]!.occurredAt;
      expect(await runnerStore.get(PLAYBOOK_REENTRY, 'lapsed|lapsed')).toMatchObject({ reenroll: 'P60D', from: new Date(Date.parse(exitedAt) + 60 * 24 * HOUR).toISOString() });
      expect(await signalRunner.evaluateSignals(slot)).toBe(0);
      await runner().evaluateSignals(slot);
      // Without the document (a store rebuilt from nothing) the customer is decided, and nothing new is decided.
      await runnerStore.commit({ writes: [remove(PLAYBOOK_REENTRY, 'lapsed|lapsed', Number.MAX_SAFE_INTEGER)], checkpoints: [] });
      expect(await signalRunner.evaluateSignals(slot)).toBe(1);
      expect(await decisions('lapsed')).toHaveLength(3);

      // Twenty-one days on, the recent buyer has lapsed too; the first may enter again 60 days after leaving.
      nowMs += 21 * 24 * HOUR;
      await subscription.catchUp();
      await signalRunner.signalsDue();
      expect(summary(await decisions('recent'))).toEqual([
        ['playbook_enrolled', null],
        ['action_requested', null],
        ['playbook_exited', 'completed'],
      ]);
      expect(await decisions('lapsed')).toHaveLength(3);
      nowMs += 40 * 24 * HOUR;
      await signalRunner.signalsDue();
      expect(await decisions('lapsed')).toHaveLength(6);
    });

    it('p_alive_below over fitted models: enrolls exactly the valuable customers whose P(alive) as of the signal is under its threshold', async () => {
      let order = 0;
      for (const { customerId, occurredAt, amount, currency } of syntheticPurchases(150)) {
        await record(customerId, { type: 'purchased', data: { orderId: `o-${order++}`, amount, currency } } as CustomerEventBody, occurredAt);
      }
      await subscription.catchUp();
      const models = new CustomerReadModels(readModels);
      const analytics = new AnalyticsService(models);
      const winBack = new PlaybookRunner(log, commands, catalogue, runnerStore, clock, {
        ...options,
        analytics: new AnalyticsFactsReader(analytics, 'USD', clock),
        signals: new ReadModelSignalSource(models, analytics),
        signalEveryMs: HOUR,
      });
      expect((await catalogue.publish('wb', { template: 'win-back', params: { pAliveBelow: 0.5, topValueShare: 0.5, offerId: 'WB', holdout: 0 } })).status).toBe('recorded');
      nowMs += 60_000;
      const firedAt = new Date(nowMs).toISOString();
      await winBack.evaluateSignals(firedAt);

      // What the conditions say, computed here from the analytics as of the signal's instant.
      const pAlive = await analytics.pAliveByCustomer(firedAt);
      const ranks = await analytics.valueRanks(firedAt, 'USD');
      const lapsing = [...pAlive].filter(([, p]) => p < 0.5).map(([customerId]) => customerId);
      const expected = lapsing.filter((customerId) => (ranks.get(customerId) ?? 1) <= 0.5).sort();
      const enrolled: string[] = [];
      for (const customerId of pAlive.keys()) if ((await decisions(customerId)).some((e) => e.type === 'playbook_enrolled')) enrolled.push(customerId);
      expect(enrolled.sort()).toEqual(expected);
      // Both conditions mattered: some lapsing customers were left out for their value.
      expect(expected.length).toBeGreaterThan(5);
      expect(lapsing.length).toBeGreaterThan(expected.length);
    });

    it('skips, at every later period, a customer `reenroll: never` keeps out, but decides one whose enrollment still runs', async () => {
      await identified('once');
      await bought('once', 40);
      await identified('waiting');
      await bought('waiting', 45);
      await subscription.catchUp();
      const never = { ...lapsed, name: 'Call once', reenroll: 'never' };
      // Still running for a week: its exit could be recorded by another runner at any moment, so it is never taken as final.
      const slow = { ...lapsed, name: 'Call after a week', steps: [{ wait: 'P7D' }, { action: { kind: 'task', title: 'Call them' } }] };
      expect((await catalogue.publish('never', never)).status).toBe('recorded');
      expect((await catalogue.publish('slow', slow)).status).toBe('recorded');
      nowMs += 60_000;
      await signalRunner.signalsDue();
      expect(await runnerStore.get(PLAYBOOK_REENTRY, 'never|once')).toMatchObject({ reenroll: 'never', from: 'never' });
      expect(await runnerStore.get(PLAYBOOK_REENTRY, 'slow|waiting')).toMatchObject({ reenroll: 'P60D', from: 'never' });
      nowMs += HOUR;
      // Two customers each held by both playbooks: `never` skips both, `slow` decides both (nothing new for either).
      expect(await signalRunner.evaluateSignals(new Date(nowMs).toISOString())).toBe(2);
      expect(summary(await decisions('once')).filter(([type]) => type === 'playbook_enrolled')).toHaveLength(2);
      expect(summary(await decisions('waiting')).filter(([type]) => type === 'playbook_enrolled')).toHaveLength(2);
    });
  });
});
