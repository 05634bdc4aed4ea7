// The playbook runner (SPEC section 10): follows the customer log from its own
// checkpoint, feeds the enrollment decider the events playbooks listen to and
// the steps that fall due, and appends the decisions to the customer's stream
// with its expected revision. Each decision's eventId derives from its key, so
// a second runner, a restart or a replay records nothing twice: the log's
// unique index and the stream's revision decide who was first.
//
// Timers live in the log: a running enrollment's next due instant is a pure
// function of the customer's stream and the playbook, kept in the due-time
// read model (`playbook_due`) only so the scheduler can find what is due
// without folding every stream (and in memory, DueTimes, so it need not ask
// the store every tick). Lose it and a replay from the checkpoint rebuilds it.
import { createHash } from 'node:crypto';
import { sleep, type StructuredLogger } from '@rapport/config';
import { put, remove, type Checkpoint, type CollectionSpec, type DocumentStore, type StoredDocument, type Write } from '@rapport/document-store';
import type { RecordedCustomerEvent } from '@rapport/domain';
import type { EventStore, RecordedEvent } from '@rapport/event-store';
import { contextFromTraceHeaders, inSpan } from '@rapport/observability';
import {
  ANALYTICS_CONDITION_FIELDS,
  analyticsConditionsHold,
  decideEnrollment,
  foldEnrollment,
  initialEnrollmentState,
  isSignalTrigger,
  latestVersion,
  listenedEventTypes,
  nextDueAt,
  readsAnalytics,
  pausedAt,
  reenrollableFrom,
  signalHolds,
  signalSlot,
  streamContext,
  versionAt,
  type ConsentDefault,
  type EnrollmentContext,
  type EnrollmentDecision,
  type EnrollmentInput,
  type EnrollmentState,
  type Action,
  type PlaybookDefinition,
  type PlaybookState,
  type PublishedPlaybook,
} from '@rapport/playbooks';
import { projectCustomerView, type CustomerView } from '@rapport/projections';
import type { Clock, CustomerCommands, EventInput, Prefetched, RecordOutcome } from '../customer-commands.service';
import { toCustomerEvent } from '../recorded-event.mapper';
import { StateCache } from '../state-cache';
import { forEachStreamPage } from '../stream-pages';
import type { PlaybookCatalogue } from './playbook-catalogue.service';
import { WriteBehind } from '../write-behind';
import { DueTimes } from './due-times';
import type { SignalSource } from './signal-facts.reader';

/** A customer's next due instant in one playbook. `_id`: `<playbookId>|<customerId>`. */
export interface DueDocument extends StoredDocument {
  readonly playbookId: string;
  readonly customerId: string;
  /** ISO 8601 UTC, as `toISOString` writes it: sorts as text in time order. */
  readonly dueAt: string;
}

export const PLAYBOOK_DUE: CollectionSpec<DueDocument> = {
  name: 'playbook_due',
  fields: { playbookId: 'string', customerId: 'string', dueAt: 'string' },
  indexes: [{ fields: ['playbookId', 'dueAt'] }, { fields: ['customerId'] }],
};

/**
 * When a customer can next be enrolled in a playbook, as their history and
 * the playbook's `reenroll` say (`reenrollableFrom`): `never`, or an instant.
 * Kept beside the due times, from the same fold, so a signal evaluation skips
 * before reading their stream the customers it cannot enroll; with `reenroll`
 * to tell a document written under another version's rule. A customer
 * without one is decided (the document is only ever a shortcut).
 */
export interface ReentryDocument extends StoredDocument {
  readonly playbookId: string;
  readonly customerId: string;
  readonly reenroll: string;
  readonly from: string;
}

export const PLAYBOOK_REENTRY: CollectionSpec<ReentryDocument> = {
  name: 'playbook_reentry',
  fields: { playbookId: 'string', customerId: 'string' },
  indexes: [{ fields: ['playbookId'] }],
};

/** What the runner keeps in its own store. */
export const PLAYBOOK_RUNNER_COLLECTIONS: readonly CollectionSpec[] = [PLAYBOOK_DUE, PLAYBOOK_REENTRY] as unknown as readonly CollectionSpec[];

/** The runner's checkpoint in its own store: a read-model rebuild never moves it. */
export const PLAYBOOKS_CHECKPOINT = 'playbooks';

/** What conditions read of the analytics: unknown (null) until a model is fitted. */
export interface AnalyticsFacts {
  readonly segment: string | null;
  readonly pAlive: number | null;
  readonly clv: number | null;
  readonly valueRank: number | null;
}

export interface CustomerAnalyticsReader {
  /**
   * As of `asOf` when given (a signal's instant: its conditions then read the
   * same fit as the signal did), else as the 360 shows them now.
   */
  read(customerId: string, asOf?: string): Promise<AnalyticsFacts>;
}

export interface ContactCap {
  /** Marketing actions (offers, messages) allowed per period, across every playbook. */
  readonly count: number;
  readonly periodMs: number;
}

export interface PlaybookRunnerOptions {
  readonly consentDefault: ConsentDefault;
  readonly contactCap: ContactCap;
  /** Needed only by playbooks whose conditions read segment, pAlive, clv or valueRank. */
  readonly analytics?: CustomerAnalyticsReader;
  /** How often the scheduler looks for due steps. Default 250 ms: a step fires within a second of its due time. */
  readonly tickMs?: number;
  /** Where signal triggers read every customer's facts; without it no signal fires. */
  readonly signals?: SignalSource;
  /** RAPPORT_SIGNAL_EVERY: signals fire at the start of each such period (default an hour) and when a playbook is published. */
  readonly signalEveryMs?: number;
  readonly batchSize?: number;
  /** Customers whose fold is kept between inputs (default 1,000). */
  readonly cacheSize?: number;
  readonly logger?: StructuredLogger;
}

type Trigger =
  | { readonly kind: 'event'; readonly event: RecordedCustomerEvent }
  | { readonly kind: 'due' }
  | { readonly kind: 'signal'; readonly playbookId: string; readonly signal: string; readonly firedAt: string };

const NO_ANALYTICS: AnalyticsFacts = { segment: null, pAlive: null, clv: null, valueRank: null };
const MAX_ATTEMPTS = 20;
const LATER_PAGE = 100;
const DECISION_TYPES: ReadonlySet<string> = new Set(['playbook_enrolled', 'action_requested', 'action_suppressed', 'playbook_exited']);
/** How far ahead of the server's clock an event may occur (the edge's FUTURE_EVENT rule). */
const MAX_FUTURE_MS = 5 * 60_000;
const DUE_PAGE = 100;
const REENTRY_PAGE = 1_000;
/**
 * Customers decided at once: their appends share the log's group commit (one
 * fsync), their due times one commit of the runner's store.
 */
const CUSTOMERS_AT_ONCE = 64;
/** A signal's customers are decided in larger groups: no one waits on them as on a due step. */
const SIGNAL_GROUP = 256;
/** Due-time writes the scheduler and the signals may be ahead of the store before they wait for it. */
const MAX_WRITES_BEHIND = 5_000;
/**
 * Customers whose queued due times the follower has yet to read past. Entries
 * go as it passes them, so this holds about as many as it lags behind (a
 * signal that enrolled 200,000: a few tens of MiB for a moment). An entry
 * it never meets again (a due time the scheduler corrected without deciding
 * anything, noted at a revision read long ago) is only an optimisation
 * missed: the cap keeps such entries from piling up.
 */
const WRITTEN_CAP = 250_000;

export class PlaybookRunner {
  private abort: AbortController | undefined;
  private loops: Promise<void>[] = [];
  private current = -1;
  /** The scheduled signal period last evaluated, and the latest version of each playbook seen. */
  private lastSlot: string | undefined;
  private readonly seenVersions = new Map<string, number>();
  private readonly folds: StateCache<CustomerFold>;
  /**
   * By customer and playbook, the stream revision this runner last queued
   * that due time at, until the follower has read past it: the follower then
   * knows its own decisions' due times are written, however many customers
   * lie between. Per playbook, since a decision writes only the due times of
   * the playbooks whose enrollment it moved.
   */
  private readonly written = new StateCache<Map<string, number>>(WRITTEN_CAP);
  /** The due times the store holds, in memory: the scheduler's index (see DueTimes). */
  private readonly dueTimes = new DueTimes();
  private dueLoaded: Promise<void> | undefined;
  /** The store's writes, in order, behind the scheduler and the signals (see commitDue). */
  private readonly writer: WriteBehind;

  constructor(
    private readonly log: EventStore,
    private readonly commands: CustomerCommands,
    private readonly catalogue: PlaybookCatalogue,
    private readonly store: DocumentStore,
    private readonly clock: Clock,
    private readonly options: PlaybookRunnerOptions,
  ) {
    this.folds = new StateCache<CustomerFold>(options.cacheSize ?? 1_000);
    this.writer = new WriteBehind(store, { logger: options.logger });
  }

  /** Last log position whose events the runner has decided on. */
  get position(): number {
    return this.current;
  }

  /** Whether it follows the log in this process (started, not stopped). */
  get running(): boolean {
    return this.abort !== undefined;
  }

  /** Its own store as it keeps up: due-time writes not on disk yet, and how long the commit now landing has taken. */
  get storeBacklog(): { writesBehind: number; landingMs: number } {
    return { writesBehind: this.writer.behind, landingMs: this.writer.landingMs };
  }

  async start(): Promise<void> {
    if (this.abort) return;
    this.current = await this.store.getCheckpoint(PLAYBOOKS_CHECKPOINT);
    await this.loadDueTimes();
    this.abort = new AbortController();
    const { signal } = this.abort;
    this.loops = [this.follow(signal), this.schedule(signal), this.signalLoop(signal)];
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    // What the store cannot take now is given up: the log rebuilds it (see commitDue).
    await Promise.allSettled([...this.loops, this.writer.close()]);
    this.abort = undefined;
    this.loops = [];
    // The close may have given up writes these still count: a start after this reads the store again.
    this.written.clear();
    this.dueLoaded = undefined;
  }

  /** Decides on every event up to the log's head, without following (tests, the CLI). */
  async catchUp(): Promise<number> {
    this.current = Math.max(this.current, await this.store.getCheckpoint(PLAYBOOKS_CHECKPOINT));
    await this.loadDueTimes();
    for (;;) {
      const batch = await this.log.readAll({ after: this.current, maxCount: this.options.batchSize ?? 500 });
      if (batch.length === 0) return this.current;
      await this.handle(batch);
    }
  }

  /** Decides on a batch of recorded events in log order, then moves the checkpoint past it. */
  async handle(batch: readonly RecordedEvent[]): Promise<void> {
    if (batch.length === 0) return;
    const playbooks = await this.catalogue.all();
    const listened = listenedTypes(playbooks);
    // A customer's events together, in their order: one fold serves them all, however many customers the batch spans.
    const byCustomer = new Map<string, RecordedEvent[]>();
    for (const recorded of batch) {
      if (!listened.has(recorded.type)) continue;
      const events = byCustomer.get(recorded.customerId);
      if (events) events.push(recorded);
      else byCustomer.set(recorded.customerId, [recorded]);
    }
    const writes: Write[] = [];
    // Customers are independent (each stream has its own expected revision): several decided at once share a commit.
    await inGroups([...byCustomer], CUSTOMERS_AT_ONCE, async ([customerId, events]) => {
      for (const recorded of events) {
        const decide = () => this.decideFor(customerId, { kind: 'event', event: toCustomerEvent(recorded) }, playbooks);
        // Traced (docs/observability.md): reacting to an event recorded under a sampled trace continues that trace,
        // so the decisions it appends (their decide and append spans, their metadata) belong to the request that caused them.
        const parent = contextFromTraceHeaders(recorded.metadata);
        const reaction = parent ? inSpan('rapport.playbooks.react', { parent, attributes: reactionAttributes(recorded) }, decide) : decide();
        writes.push(...(await reaction));
      }
    });
    // Decisions, whoever recorded them (another instance, a signal, a due step), move the customer's due times:
    // the due-time model follows them from the log, so a lost store or a crash before the write is made good here.
    // By customer, the highest revision of each playbook's decisions in the batch.
    const decided = new Map<string, Map<string, number>>();
    const lastRead = new Map<string, number>();
    for (const e of batch) {
      lastRead.set(e.customerId, Math.max(lastRead.get(e.customerId) ?? -1, e.revision));
      if (!DECISION_TYPES.has(e.type)) continue;
      const playbookId = (e.data as { playbookId: string }).playbookId;
      let byPlaybook = decided.get(e.customerId);
      if (!byPlaybook) decided.set(e.customerId, (byPlaybook = new Map()));
      byPlaybook.set(playbookId, Math.max(byPlaybook.get(playbookId) ?? -1, e.revision));
    }
    // Those just decided on above are written already.
    const covered = new Set(writes.map(writeKey));
    for (const [customerId, byPlaybook] of decided) {
      // A due time this runner queued at or past the playbook's decisions already, when it decided (the usual case: its
      // own decisions), is ahead of this commit in the same ordered writer, so it lands before the checkpoint.
      const open = (playbookId: string) => (this.written.get(customerId)?.get(playbookId) ?? -1) < (byPlaybook.get(playbookId) ?? -1);
      if (![...byPlaybook.keys()].some(open)) continue;
      const folded = await this.fold(customerId);
      for (const write of this.dueWrites(customerId, folded, playbooks, open)) {
        if (!covered.has(writeKey(write))) writes.push(write);
      }
    }
    const position = batch[batch.length - 1]!.position;
    await this.commitDue(writes, [{ name: PLAYBOOKS_CHECKPOINT, position }]);
    this.current = Math.max(this.current, position);
    // Read past now, those this commit noted too (another runner's decisions, written here at the revision read):
    // nothing later in the log needs them.
    for (const [customerId, revision] of lastRead) {
      const noted = this.written.get(customerId);
      if (!noted) continue;
      for (const [playbookId, at] of noted) if (at <= revision) noted.delete(playbookId);
      if (noted.size === 0) this.written.delete(customerId);
    }
  }

  /** When each of the customer's running enrollments next needs the clock, by playbook (what the 360 shows as the next due step). */
  async nextDue(customerId: string): Promise<{ playbookId: string; dueAt: string }[]> {
    await this.loadDueTimes();
    return this.dueTimes.ofCustomer(customerId).map(({ playbookId, dueAt }) => ({ playbookId, dueAt }));
  }

  /** The store's due times into memory, once (a failed load is tried again on the next call). */
  private loadDueTimes(): Promise<void> {
    this.dueLoaded ??= (async () => {
      this.dueTimes.clear();
      for await (const document of this.store.scan(PLAYBOOK_DUE)) this.dueTimes.add(document);
    })().catch((error: unknown) => {
      this.dueLoaded = undefined;
      throw error;
    });
    return this.dueLoaded;
  }

  /** Fires every step due by now and waits for its writes; answers for how many customers it decided (those it could not are left due). */
  async fireDue(): Promise<number> {
    const fired = await this.decideDue();
    await this.writer.flush();
    return fired;
  }

  /** Fires every step due by now; its due-time writes go behind it. */
  private async decideDue(): Promise<number> {
    await this.loadDueTimes();
    const playbooks = await this.catalogue.all();
    const now = this.clock.now().toISOString();
    const seen = new Set<string>();
    let fired = 0;
    // One running playbook at a time, earliest due first: a paused one's due times are never read.
    for (const [playbookId, state] of playbooks) {
      if (state.paused) continue;
      const ready = this.dueTimes.dueBy(playbookId, now);
      for (let from = 0; from < ready.length; from += DUE_PAGE) {
        const due = ready.slice(from, from + DUE_PAGE).filter((d) => !seen.has(d.customerId));
        for (const { customerId } of due) seen.add(customerId);
        const writes: Write[] = [];
        await inGroups(due, CUSTOMERS_AT_ONCE, async ({ customerId }) => {
          try {
            writes.push(...(await this.decideFor(customerId, { kind: 'due' }, playbooks)));
            fired++;
          } catch (error) {
            // One customer that cannot be decided now (a stream that keeps changing) holds up no one else.
            this.options.logger?.warn('playbook runner: a due step could not be decided; it stays due', { customerId, error: describe(error) });
          }
        });
        await this.commitDue(writes, [], 'behind');
      }
    }
    return fired;
  }

  /**
   * Fires signal triggers at `firedAt` over every customer: each one the
   * signal holds for, and could enroll, gets the signal as an input of that
   * playbook. Those it cannot enroll are left out before their stream is
   * read: kept out by `reenroll` (the re-entry documents), or by a `when`
   * condition on the analytics. Answers how many (customer, playbook) pairs
   * it decided for.
   */
  async evaluateSignals(firedAt: string, only?: ReadonlySet<string>): Promise<number> {
    const source = this.options.signals;
    if (!source) return 0;
    const playbooks = await this.catalogue.all();
    const listening = [...playbooks].flatMap(([playbookId, state]) => {
      if (state.paused || (only && !only.has(playbookId))) return [];
      const definition = versionAt(state, firedAt)?.definition;
      if (!definition || !isSignalTrigger(definition.trigger)) return [];
      // `when` conditions on the analytics screen customers before their stream is read.
      const screen = definition.when.filter((c) => ANALYTICS_CONDITION_FIELDS.has(c.field));
      return [{ playbookId, trigger: definition.trigger, reenroll: definition.reenroll, screen }];
    });
    if (listening.length === 0) return 0;
    const unenrollable = new Map<string, Set<string>>();
    for (const { playbookId, reenroll } of listening) unenrollable.set(playbookId, await this.unenrollableAt(playbookId, reenroll, firedAt));
    let fired = 0;
    const decide = async ({ customerId, playbookIds }: { customerId: string; playbookIds: readonly string[] }, prefetched: Prefetched): Promise<Write[]> => {
      const writes: Write[] = [];
      // One customer's playbooks one after another: each decision sees the one before (the contact cap).
      for (const playbookId of playbookIds) {
        const signal = listening.find((l) => l.playbookId === playbookId)!.trigger.signal;
        try {
          writes.push(...(await this.decideFor(customerId, { kind: 'signal', playbookId, signal, firedAt }, playbooks, prefetched)));
          fired++;
        } catch (error) {
          // One customer that cannot be decided now holds up no one else; the next period's signal reaches them again.
          this.options.logger?.warn('playbook runner: a signal could not be decided for a customer', { customerId, playbookId, firedAt, error: describe(error) });
        }
      }
      return writes;
    };
    let group: { customerId: string; playbookIds: string[] }[] = [];
    const flush = async () => {
      // The write side's states of the whole group in a few reads, not one stream read per customer.
      const prefetched = await this.commands.prefetch(group.map((g) => g.customerId));
      const writes = (await Promise.all(group.map((g) => decide(g, prefetched)))).flat();
      group = [];
      await this.commitDue(writes, [], 'behind');
    };
    for await (const { customerId, facts } of source.factsAt(firedAt, { pAlive: listening.some((l) => l.trigger.signal === 'p_alive_below') })) {
      // Only those the signal could enroll: a running enrollment's steps are the scheduler's to fire anyway.
      const playbookIds: string[] = [];
      let analytics: Promise<AnalyticsFacts> | undefined;
      for (const { playbookId, trigger, screen } of listening) {
        if (unenrollable.get(playbookId)!.has(customerId) || !signalHolds(trigger, facts, firedAt)) continue;
        if (screen.length > 0 && !analyticsConditionsHold(screen, await (analytics ??= this.analyticsOf(customerId, firedAt)))) continue;
        playbookIds.push(playbookId);
      }
      if (playbookIds.length === 0) continue;
      group.push({ customerId, playbookIds });
      if (group.length >= SIGNAL_GROUP) await flush();
    }
    await flush();
    await this.writer.flush();
    return fired;
  }

  private analyticsOf(customerId: string, asOf?: string): Promise<AnalyticsFacts> {
    return this.options.analytics ? this.options.analytics.read(customerId, asOf) : Promise.resolve(NO_ANALYTICS);
  }

  /**
   * Customers a signal of this playbook cannot enroll at `firedAt`, from the
   * re-entry documents written under the same `reenroll` rule. Only claims
   * that stay true as the stream grows are taken: `reenroll: never` once
   * enrolled, or a wait from the last exit not over yet (a later exit only
   * moves it further). A customer blocked only while an enrollment runs is
   * decided: its exit, maybe recorded by another instance a moment ago, may
   * not have reached this store yet.
   */
  private async unenrollableAt(playbookId: string, reenroll: string, firedAt: string): Promise<Set<string>> {
    const blocked = new Set<string>();
    if (reenroll === 'always') return blocked;
    const firedMs = Date.parse(firedAt);
    for (let cursor: string | undefined; ; ) {
      const page = await this.store.find(PLAYBOOK_REENTRY, { where: [{ field: 'playbookId', eq: playbookId }], limit: REENTRY_PAGE, ...(cursor ? { cursor } : {}) });
      for (const doc of page.items) {
        if (doc.reenroll !== reenroll) continue;
        if (doc.from === 'never' ? reenroll === 'never' : firedMs < Date.parse(doc.from)) blocked.add(doc.customerId);
      }
      if (page.nextCursor === null) return blocked;
      cursor = page.nextCursor;
    }
  }

  /**
   * Signals due now: a newly published version's at its publication (if that
   * is within the current period: a restart much later does not fire it
   * again with today's data), and the current period's once.
   */
  async signalsDue(): Promise<number> {
    if (!this.options.signals) return 0;
    const every = this.options.signalEveryMs ?? 3_600_000;
    const now = this.clock.now().toISOString();
    let fired = 0;
    for (const [playbookId, state] of await this.catalogue.all()) {
      const latest = latestVersion(state);
      if (!latest || (this.seenVersions.get(playbookId) ?? 0) >= latest.version) continue;
      if (isSignalTrigger(latest.definition.trigger) && Date.parse(now) - Date.parse(latest.publishedAt) < every) {
        fired += await this.evaluateSignals(latest.publishedAt, new Set([playbookId]));
      }
      // Only once it was evaluated: a failed evaluation is tried again on the next pass.
      this.seenVersions.set(playbookId, latest.version);
    }
    const slot = signalSlot(now, every);
    if (slot !== this.lastSlot) {
      fired += await this.evaluateSignals(slot);
      this.lastSlot = slot;
    }
    return fired;
  }

  private async follow(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        for await (const batch of this.log.follow({ after: this.current, batchSize: this.options.batchSize ?? 500, signal })) {
          await this.handle(batch);
          if (signal.aborted) break;
        }
      } catch (error) {
        if (signal.aborted) break;
        this.options.logger?.warn('playbook runner: deciding on the log failed; retrying', { error: describe(error), position: this.current });
        await sleep(1_000, signal).catch(() => undefined);
      }
    }
  }

  private async schedule(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let fired = 0;
      try {
        fired = await this.decideDue();
      } catch (error) {
        if (signal.aborted) break;
        this.options.logger?.warn('playbook runner: firing due steps failed; retrying', { error: describe(error) });
      }
      // A pass that fired something goes again almost at once: more may have fallen due while it ran.
      await sleep(fired > 0 ? 10 : (this.options.tickMs ?? 250), signal).catch(() => undefined);
    }
  }

  private async signalLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.signalsDue();
      } catch (error) {
        if (signal.aborted) break;
        this.options.logger?.warn('playbook runner: evaluating signals failed; retrying', { error: describe(error) });
      }
      await sleep(1_000, signal).catch(() => undefined);
    }
  }

  /**
   * Folds the customer's stream, lets every playbook decide on the trigger,
   * appends what they decided with the stream's revision as read, and answers
   * the due-time and re-entry writes that follow from it. Another
   * writer in between (a new event, a second runner) means deciding again on
   * the stream as it now is: what the other already decided is then known.
   */
  private async decideFor(customerId: string, trigger: Trigger, playbooks: ReadonlyMap<string, PlaybookState>, prefetched?: Prefetched): Promise<Write[]> {
    for (let attempt = 1; ; attempt++) {
      const folded = await this.fold(customerId);
      if (folded.revision < 0) return [];
      const now = this.clock.now().toISOString();
      const inputs = await this.decisionsFor(customerId, folded, trigger, playbooks, now);
      let after = folded;
      if (inputs.length > 0) {
        const outcomes = await this.commands.recordAll(customerId, inputs, { expectedRevision: folded.revision }, prefetched);
        if (outcomes.some((o) => o.status === 'rejected' && o.code === 'REVISION_MISMATCH')) {
          if (attempt >= MAX_ATTEMPTS) throw new Error(`customer ${customerId}: the stream kept changing while its playbooks decided`);
          continue;
        }
        const recorded: RecordedCustomerEvent[] = [];
        for (const [i, outcome] of outcomes.entries()) {
          if (outcome.status === 'recorded') recorded.push(...outcome.events.map(toCustomerEvent));
          if (outcome.status === 'rejected') {
            this.options.logger?.warn('playbook runner: a decision was refused', { customerId, type: inputs[i]!.type, code: outcome.code, message: outcome.message });
          }
        }
        // A `record` action is carried out by recording its event: acknowledged delivered, or failed with the refusal.
        const acks = recordActionAcknowledgements(customerId, inputs, outcomes);
        if (acks.length > 0) {
          for (const outcome of await this.commands.recordAll(customerId, acks)) {
            if (outcome.status === 'recorded') recorded.push(...outcome.events.map(toCustomerEvent));
          }
        }
        // What was just appended directly follows the fold: it moves on without reading it back.
        recorded.sort((a, b) => a.revision - b.revision);
        if (recorded.length > 0 && recorded[0]!.revision === folded.revision + 1 && recorded.every((e, i) => e.revision === folded.revision + 1 + i)) {
          after = recorded.reduce(foldOne, folded);
          this.folds.set(customerId, after);
        } else {
          after = await this.fold(customerId);
        }
      }
      // The caller commits them with the others of its group (and the follower with its checkpoint). Only the
      // playbooks whose enrollment moved, except for a due step: a due time found stale is corrected too.
      return this.dueWrites(customerId, after, playbooks, trigger.kind === 'due' ? undefined : (playbookId) => after.enrollments.get(playbookId) !== folded.enrollments.get(playbookId));
    }
  }

  /**
   * Commits due-time writes (and checkpoints), noting each customer's revision
   * they were written at. The writes go through one ordered writer: `behind`
   * (a due step, a signal) goes on deciding while the store takes them, a
   * slow store (FerretDB: 8–29 ms a guarded replacement) no longer setting
   * the pace of the timers; the follower waits for its checkpoint, and with
   * it everything asked before. A crash loses a suffix of the writes and no
   * checkpoint before them: what is missing the follower writes again from
   * the log, and a due time left stale is corrected when it fires (a due step
   * rewrites every due time of the customer).
   */
  private async commitDue(writes: readonly Write[], checkpoints: readonly Checkpoint[] = [], behind?: 'behind'): Promise<void> {
    if (writes.length === 0 && checkpoints.length === 0) return;
    const landed = this.writer.commit({ writes, checkpoints });
    for (const write of writes) {
      if (write.collection.name !== PLAYBOOK_DUE.name) continue;
      this.dueTimes.apply(write);
      if (write.type !== 'put' && write.type !== 'delete') continue;
      // `<playbookId>|<customerId>`
      const [id, revision] = write.type === 'put' ? [write.document._id, write.document.revision] : [write.id, write.revision];
      const bar = id.indexOf('|');
      const [playbookId, customerId] = [id.slice(0, bar), id.slice(bar + 1)];
      let noted = this.written.get(customerId);
      if (!noted) this.written.set(customerId, (noted = new Map()));
      if (revision > (noted.get(playbookId) ?? -1)) noted.set(playbookId, revision);
    }
    if (behind) {
      landed.catch(() => undefined);
      await this.writer.room(MAX_WRITES_BEHIND);
    } else {
      await landed;
    }
  }

  /** The customer's fold: the cached one and whatever the stream holds beyond it, read a page at a time. */
  private async fold(customerId: string): Promise<CustomerFold> {
    let folded = this.folds.get(customerId) ?? emptyFold();
    await forEachStreamPage(this.log, customerId, folded.revision + 1, (page) => {
      for (const event of page) folded = foldOne(folded, toCustomerEvent(event));
    });
    this.folds.set(customerId, folded);
    return folded;
  }

  private async decisionsFor(
    customerId: string,
    folded: CustomerFold,
    trigger: Trigger,
    playbooks: ReadonlyMap<string, PlaybookState>,
    now: string,
  ): Promise<EventInput[]> {
    const { view } = folded;
    // Read only for a playbook whose conditions need them, once per input.
    let analyticsRead: Promise<AnalyticsFacts> | undefined;
    // A signal's decisions read the analytics as of its instant, as the signal itself did.
    const asOf = trigger.kind === 'signal' ? trigger.firedAt : undefined;
    const analyticsFor = (state: PlaybookState) => (state.versions.some((v) => readsAnalytics(v.definition)) ? (analyticsRead ??= this.analyticsOf(customerId, asOf)) : NO_ANALYTICS);
    // What the stream holds after the trigger, read once and only if some playbook may enroll on it.
    let laterEvents: Promise<RecordedCustomerEvent[]> | undefined;
    const later = () => (laterEvents ??= this.laterThan(customerId, folded, trigger));
    const capFrom = Date.parse(now) - this.options.contactCap.periodMs;
    let contacts = folded.marketing.filter((at) => at >= capFrom).length;
    const inputs: EventInput[] = [];
    for (const [playbookId, state] of playbooks) {
      const latest = latestVersion(state);
      if (!latest || (trigger.kind === 'signal' && trigger.playbookId !== playbookId)) continue;
      const enrollment = folded.enrollments.get(playbookId) ?? initialEnrollmentState;
      // A trigger enrolls under the version current when it was recorded (or fired), if the playbook ran then.
      const recordedAt = trigger.kind === 'event' ? trigger.event.recordedAt : trigger.kind === 'signal' ? trigger.firedAt : now;
      const version = versionAt(state, recordedAt);
      // Eligibility is a matter of when the trigger happened, never of when the runner got to it (a replay decides the same).
      const mayEnroll = version !== undefined && !pausedAt(state, recordedAt);
      if (!mayEnroll && enrollment.running.length === 0) continue;
      const published = publishedAs(playbookId, version ?? latest, state);
      const context: EnrollmentContext = {
        ...streamContext(view, this.options.consentDefault, this.options.contactCap.count - contacts),
        ...(await analyticsFor(state)),
      };
      const input: EnrollmentInput =
        trigger.kind === 'event'
          ? { kind: 'event', event: trigger.event, now, context, later: await later() }
          : trigger.kind === 'signal'
            ? { kind: 'signal', signal: trigger.signal, firedAt: trigger.firedAt, now, context, later: await later() }
            : { kind: 'due', now, context };
      const starting = `${playbookId}/${enrollment.enrollments + 1}`;
      const decisions = decideEnrollment(input, published, customerId, enrollment).filter((decision) =>
        // Paused: no step runs and no one enrolls; only an event that ends an enrollment still does.
        (mayEnroll || decision.body.data.enrollmentId !== starting) &&
        // Paused now: no step runs (they run on resume, dated when due); enrolling and ending on an event still happen.
        (!state.paused || decision.body.type === 'playbook_enrolled' || (decision.body.type === 'playbook_exited' && decision.body.data.eventId !== undefined)),
      );
      for (const decision of decisions) {
        inputs.push(...toInputs(customerId, decision));
        if (decision.body.type === 'action_requested' && isMarketing(decision.body.data.action.kind)) contacts++;
      }
    }
    return inputs;
  }

  /**
   * The events after a trigger that a new enrollment must meet at once: for an
   * event, those recorded after it (only when the runner lags behind the
   * stream); for a signal, those that occurred at or after it fired. An event
   * recorded before `firedAt` less the 5 minutes an event may be ahead of the
   * clock cannot have occurred after it, so the backward read stops there.
   */
  private async laterThan(customerId: string, folded: CustomerFold, trigger: Trigger): Promise<RecordedCustomerEvent[]> {
    if (trigger.kind === 'event') {
      if (folded.revision <= trigger.event.revision) return [];
      const events: RecordedCustomerEvent[] = [];
      await forEachStreamPage(this.log, customerId, trigger.event.revision + 1, (page) => {
        for (const event of page) if (event.revision <= folded.revision) events.push(toCustomerEvent(event));
      });
      return events;
    }
    if (trigger.kind !== 'signal') return [];
    const firedMs = Date.parse(trigger.firedAt);
    // Nothing in the stream occurred that late: no need to read it.
    if (folded.lastOccurredMs < firedMs) return [];
    const events: RecordedCustomerEvent[] = [];
    for (let from = folded.revision; from >= 0; from -= LATER_PAGE) {
      const page = await this.log.readStream(customerId, { direction: 'backward', fromRevision: from, maxCount: LATER_PAGE });
      for (const event of page) {
        if (Date.parse(event.recordedAt) < firedMs - MAX_FUTURE_MS) return events.reverse();
        if (Date.parse(event.occurredAt) >= firedMs) events.push(toCustomerEvent(event));
      }
      if (page.length < LATER_PAGE) break;
    }
    return events.reverse();
  }

  /**
   * The due-time documents of the customer's playbooks (those `only` names,
   * or all), from its fold, and the re-entry documents of those a signal
   * triggers (nothing else reads them).
   */
  private dueWrites(customerId: string, folded: CustomerFold, playbooks: ReadonlyMap<string, PlaybookState>, only?: (playbookId: string) => boolean): Write[] {
    const { revision } = folded;
    const writes: Write[] = [];
    for (const [playbookId, state] of playbooks) {
      const latest = latestVersion(state);
      const enrollment = folded.enrollments.get(playbookId);
      // No decision of this playbook in the stream: no due time was ever written for it, nothing to delete.
      if (!latest || !enrollment || (only && !only(playbookId))) continue;
      const dueAt = nextDueAt(publishedAs(playbookId, latest, state), enrollment);
      const _id = `${playbookId}|${customerId}`;
      // Whether the store holds it, as the runner's own index knows (it saves the store a look-up).
      writes.push(dueAt === undefined ? remove(PLAYBOOK_DUE, _id, revision) : put(PLAYBOOK_DUE, { _id, revision, playbookId, customerId, dueAt }, this.dueTimes.has(_id)));
      if (!state.versions.some((v) => isSignalTrigger(v.definition.trigger))) continue;
      const { reenroll } = latest.definition;
      const from = reenrollableFrom(latest.definition, enrollment);
      writes.push(from === undefined ? remove(PLAYBOOK_REENTRY, _id, revision) : put(PLAYBOOK_REENTRY, { _id, revision, playbookId, customerId, reenroll, from }));
    }
    return writes;
  }
}

/** The playbook as the decider takes it: `version` for new enrollments, every version for running ones. */
function publishedAs(playbookId: string, version: { version: number; definition: PlaybookDefinition }, state: PlaybookState): PublishedPlaybook {
  return { playbookId, version: version.version, definition: version.definition, earlier: new Map(state.versions.map((v) => [v.version, v.definition])) };
}

/** Event types some version of some playbook starts, ends or converts on. */
function listenedTypes(playbooks: ReadonlyMap<string, PlaybookState>): Set<string> {
  return new Set([...playbooks.values()].flatMap((state) => state.versions.flatMap(({ definition }) => [...listenedEventTypes(definition)])));
}

function isMarketing(kind: string): boolean {
  return kind === 'offer' || kind === 'message';
}

/**
 * What the runner knows of a customer, folded from their stream a page at a
 * time and kept between inputs, so a busy or long stream is never read whole
 * again: the 360 as conditions see it, each playbook's enrollments, and when
 * marketing actions were requested (what the contact cap counts).
 */
interface CustomerFold {
  /** Revision of the last event folded, -1 before the first. */
  readonly revision: number;
  readonly view: CustomerView | undefined;
  readonly enrollments: ReadonlyMap<string, EnrollmentState>;
  /**
   * When (recordedAt, ms) marketing actions were requested, by any playbook: the
   * cap counts what reached the customer in the period, so a step that ran late
   * (after a pause or an outage), dated when it fell due, still counts when it went out.
   */
  readonly marketing: readonly number[];
  /** The latest occurredAt (ms) of any event folded: a signal fired after it has no later events to meet. */
  readonly lastOccurredMs: number;
}

function emptyFold(): CustomerFold {
  return { revision: -1, view: undefined, enrollments: new Map(), marketing: [], lastOccurredMs: -Infinity };
}

/** One more event of the stream, in revision order. */
function foldOne(folded: CustomerFold, event: RecordedCustomerEvent): CustomerFold {
  const view = projectCustomerView(folded.view, event);
  const lastOccurredMs = Math.max(folded.lastOccurredMs, Date.parse(event.occurredAt));
  switch (event.type) {
    case 'playbook_enrolled':
    case 'action_requested':
    case 'action_suppressed':
    case 'playbook_exited': {
      // Decisions name their playbook: only its enrollments move.
      const { playbookId } = event.data;
      const enrollments = new Map(folded.enrollments);
      enrollments.set(playbookId, foldEnrollment(playbookId, [event], folded.enrollments.get(playbookId)));
      const marketing =
        event.type === 'action_requested' && isMarketing(event.data.action.kind) ? [...folded.marketing, Date.parse(event.recordedAt)] : folded.marketing;
      return { revision: event.revision, view, enrollments, marketing, lastOccurredMs };
    }
    default:
      return { ...folded, revision: event.revision, view, lastOccurredMs };
  }
}

/** The decision as an event to record, and for a `record` action the relationship event it records. */
function toInputs(customerId: string, decision: EnrollmentDecision): EventInput[] {
  const eventId = decisionEventId(decision.key);
  const metadata = { actor: `playbook:${decision.body.data.playbookId}` };
  const input = { ...decision.body, customerId, eventId, occurredAt: decision.occurredAt, metadata } as EventInput;
  if (decision.body.type !== 'action_requested') return [input];
  // The decider copied it from the definition: an Action.
  const action = decision.body.data.action as Action;
  if (action.kind !== 'record') return [input];
  const { type, data } = action.event;
  const recorded = { type, data, customerId, eventId: decisionEventId(`${decision.key}/record`), occurredAt: decision.occurredAt, metadata: { ...metadata, causationId: eventId } } as EventInput;
  return [input, recorded];
}

/** The acknowledgements of the `record` actions among the inputs, from what recording their events came to. */
function recordActionAcknowledgements(customerId: string, inputs: readonly EventInput[], outcomes: readonly RecordOutcome[]): EventInput[] {
  const acks: EventInput[] = [];
  for (const [i, input] of inputs.entries()) {
    if (input.type !== 'action_requested' || (input.data.action as Action).kind !== 'record') continue;
    const { actionId, playbookId } = input.data;
    const outcome = outcomes[i + 1];
    if (!outcome || outcomes[i]!.status === 'rejected') continue;
    const data =
      outcome.status === 'rejected'
        ? { actionId, playbookId, status: 'failed' as const, detail: `the event was refused: ${outcome.code}: ${outcome.message}`.slice(0, 1000) }
        : { actionId, playbookId, status: 'delivered' as const };
    acks.push({ customerId, type: 'action_acknowledged', eventId: acknowledgementEventId(actionId), occurredAt: input.occurredAt, data, metadata: { actor: `playbook:${playbookId}`, causationId: input.eventId } } as EventInput);
  }
  return acks;
}

/** The eventId of an action's acknowledgement: one per action, whoever sends it and however often. */
export function acknowledgementEventId(actionId: string): string {
  return decisionEventId(`${actionId}/ack`);
}

/**
 * A UUID (version 8, RFC 9562) from a decision's key: the same decision always
 * gets the same eventId, so the log records it once however often it is made.
 */
export function decisionEventId(key: string): string {
  const hex = createHash('sha256').update(`rapport/playbook-decision/${key}`).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Which document a write is of. */
function writeKey(write: Write): string {
  return `${write.collection.name}/${write.type === 'delete' ? write.id : write.type === 'update' ? '' : write.document._id}`;
}

/**
 * Runs `work` over the items a group at a time, the group's in parallel, and
 * waits for every one of a group before the next; the first failure is thrown
 * once the whole group has settled (nothing is left running behind it).
 */
async function inGroups<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) {
    const settled = await Promise.allSettled(items.slice(i, i + size).map(work));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Attributes of a `rapport.playbooks.react` span. */
function reactionAttributes(event: RecordedEvent): Record<string, string | number> {
  return { 'rapport.customer.id': event.customerId, 'rapport.event.id': event.eventId, 'rapport.event.type': event.type, 'rapport.event.revision': event.revision };
}
