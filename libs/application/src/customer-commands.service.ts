// The write side: decide each event against the customer's stream and append it
// with optimistic concurrency. An unconditional append that loses a race re-reads
// and re-decides; a conditional one (If-Match) reports the mismatch.
import {
  CUSTOMER_STATE_SCHEMA,
  decide,
  fold,
  initialState,
  stateWithoutPersonalData,
  type CustomerEvent,
  type CustomerEventBody,
  type CustomerState,
  type EventMetadata,
  type PriorRecord,
  type RefusalCode,
} from '@rapport/domain';
import {
  DuplicateEventIdError,
  WrongExpectedRevisionError,
  type EventStore,
  type RecordedEvent,
  type SnapshotStore,
  type StreamSnapshot,
} from '@rapport/event-store';
import { inSpan, traceHeadersOf, type Span, type TraceHeaders } from '@rapport/observability';
import { toCustomerEvent, toNewEvent } from './recorded-event.mapper';
import { StateCache } from './state-cache';
import { forEachStreamPage } from './stream-pages';

export type EventInput = CustomerEventBody & {
  readonly customerId: string;
  /** Given by the emitter for idempotency; assigned when absent. */
  readonly eventId?: string;
  readonly occurredAt: string;
  readonly metadata?: EventMetadata;
};

export interface RecordOptions {
  /** If-Match: the stream's last revision must be this (-1: the stream must not exist). */
  readonly expectedRevision?: number;
}

export type RejectionCode = RefusalCode | 'REVISION_MISMATCH' | 'CONCURRENCY_EXHAUSTED';

export type RecordOutcome =
  | { readonly status: 'recorded'; readonly events: readonly RecordedEvent[]; readonly revision: number }
  | { readonly status: 'duplicate'; readonly event: RecordedEvent; readonly revision: number }
  | { readonly status: 'rejected'; readonly code: RejectionCode; readonly message: string };

export interface Clock {
  now(): Date;
}
export interface IdGenerator {
  next(): string;
}

export interface CustomerCommandsOptions {
  /** Re-decide this many times when an unconditional append loses a race. */
  readonly maxAttempts?: number;
  /**
   * Folded states kept in memory, so a busy customer is not re-read from revision 0 every time.
   * Default 1,000: a state holds every order and complaint id of its stream, and a miss costs
   * one indexed read of the stream.
   */
  readonly cacheSize?: number;
  /**
   * Where folded states are kept beside the log, so a long stream is not replayed from its first
   * event on a cold load. Without it every cold load folds the whole stream.
   */
  readonly snapshots?: SnapshotStore;
  /** A snapshot is taken once this many events were folded past the last one. Default 1,000. */
  readonly snapshotEvery?: number;
  /** A snapshot that could not be read or kept: the command goes on from the log, and this says why. */
  readonly onSnapshotError?: (error: unknown, customerId: string) => void;
}

/** A folded state, and the revision of the last snapshot taken of it (-1: none). */
interface Folded {
  readonly state: CustomerState;
  readonly snapshotRevision: number;
}

const UNFOLDED: Folded = { state: initialState, snapshotRevision: -1 };

/** Events a prefetch reads at most; the customers beyond are read one by one, as without it. */
const PREFETCH_MAX_EVENTS = 20_000;

/** Customers' folded states, read for a whole batch at once (`prefetch`). */
export class Prefetched {
  constructor(private readonly states: Map<string, Folded>) {}

  /** The customer's state, once: what it decides is appended, so a second decision reads on from the log. */
  take(customerId: string): Folded | undefined {
    const folded = this.states.get(customerId);
    this.states.delete(customerId);
    return folded;
  }
}

export class CustomerCommands {
  private readonly cache: StateCache<Folded>;
  private readonly maxAttempts: number;
  private readonly snapshotEvery: number;

  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly options: CustomerCommandsOptions = {},
  ) {
    this.cache = new StateCache<Folded>(options.cacheSize ?? 1_000);
    this.maxAttempts = options.maxAttempts ?? 50;
    this.snapshotEvery = options.snapshotEvery ?? 1_000;
    if (!Number.isInteger(this.snapshotEvery) || this.snapshotEvery < 1) throw new RangeError(`snapshotEvery must be a positive integer; got ${this.snapshotEvery}`);
  }

  /** Records one event, or says why not. Never records part of a decision. */
  async record(input: EventInput, options: RecordOptions = {}): Promise<RecordOutcome> {
    const outcomes = await this.recordAll(input.customerId, [input], options);
    return outcomes[0]!;
  }

  /**
   * Records several events of one customer in order, each decided against the
   * state its predecessors left; the accepted ones are appended together, so
   * the group lands whole or is re-decided whole.
   */
  async recordAll(customerId: string, inputs: readonly EventInput[], options: RecordOptions = {}, prefetched?: Prefetched): Promise<RecordOutcome[]> {
    const commands = inputs.map((input) => this.toEvent(input));
    let lookUpAccepted = false;
    for (let attempt = 1; ; attempt++) {
      // What was prefetched serves the first attempt only: a lost race is decided again from the log.
      const known = attempt === 1 ? prefetched?.take(customerId) : undefined;
      // Traced (docs/observability.md): one `rapport.decide` and one `rapport.append` span per attempt.
      const { folded, state, plan, mismatched } = await inSpan('rapport.decide', {}, async (span) => {
        const decideOn = async (folded: Folded) => {
          // Every event is looked up before it is decided after an append refused for a recorded eventId, and when
          // a conditional write's revision does not hold: a retried one whose first attempt landed is a duplicate.
          const mismatched = options.expectedRevision !== undefined && options.expectedRevision !== folded.state.version - 1;
          const plan = await this.plan(customerId, commands, folded.state, lookUpAccepted || mismatched);
          // An answer without an append (a refusal, a duplicate, a mismatch) is not checked by the log.
          return { folded, state: folded.state, plan, mismatched, answersFromState: mismatched || plan.some((p) => p.kind !== 'append') };
        };
        const loaded = known ? { folded: known, current: true } : await this.load(customerId, false);
        let decided = await decideOn(loaded.folded);
        // A cached state may miss what another writer appended since (an erasure is a duplicate only until new
        // personal data arrives). An append is checked against the log's head (its expected revision); any other
        // answer is not, so it is given only on a state read from the log for this request.
        if (decided.answersFromState && !loaded.current) decided = await decideOn((await this.load(customerId, true)).folded);
        if (span) describeDecision(span, customerId, attempt, decided.state, decided.plan);
        return decided;
      });
      // A retried conditional write whose first attempt landed is a duplicate, not a mismatch.
      if (mismatched && !plan.every((p) => p.kind === 'duplicate')) {
        const message = `expected revision ${options.expectedRevision}, the stream is at ${state.version - 1}`;
        return inputs.map(() => ({ status: 'rejected', code: 'REVISION_MISMATCH', message }));
      }
      const toAppend = plan.flatMap((p) => (p.kind === 'append' ? p.events : []));
      if (toAppend.length === 0) return this.settle(plan, []);
      try {
        // The erasure this state knows of: personal data appended now must not be sealed with a key it is to destroy.
        const sealing = state.lastErasure ? { lastErasureRevision: state.lastErasure.revision } : {};
        const expected = state.version === 0 ? 'no_stream' : state.version - 1;
        const result = await inSpan('rapport.append', {}, (span) => {
          // The append span's context travels with each event (its metadata), through the log to the relay and the projections.
          const trace = span ? describeAppend(span, customerId, toAppend.length, expected) : {};
          const events = trace.traceparent === undefined ? toAppend.map(toNewEvent) : toAppend.map((event) => toNewEvent(withTrace(event, trace)));
          return this.store.append(customerId, events, expected, sealing);
        });
        const appended = { state: fold(plan.flatMap((p) => (p.kind === 'append' ? p.events : [])), state), snapshotRevision: folded.snapshotRevision };
        this.cache.set(customerId, await this.snapshotted(customerId, appended, result.events[result.events.length - 1]));
        return this.settle(plan, result.events);
      } catch (error) {
        this.cache.delete(customerId);
        if (error instanceof WrongExpectedRevisionError) {
          if (options.expectedRevision !== undefined) {
            const message = `expected revision ${options.expectedRevision}, the stream is at ${error.actual}`;
            return inputs.map(() => ({ status: 'rejected', code: 'REVISION_MISMATCH', message }));
          }
          if (attempt >= this.maxAttempts) {
            const message = `gave up after ${attempt} attempts: the stream kept changing`;
            return inputs.map(() => ({ status: 'rejected', code: 'CONCURRENCY_EXHAUSTED', message }));
          }
          await backoff(attempt);
          continue;
        }
        // One of these eventIds is recorded already (a retry, or another writer, maybe on another
        // stream): decide again with every eventId looked up, which makes it the duplicate it is.
        if (error instanceof DuplicateEventIdError && attempt < this.maxAttempts) {
          lookUpAccepted = true;
          continue;
        }
        throw error;
      }
    }
  }

  /**
   * Reads the customers' states in a few reads for the whole batch rather than a few per
   * customer: the latest snapshots, then every customer's events beyond its cached or
   * snapshotted state. A state may be stale by the time its customer's turn comes; the append's
   * expected revision catches that, and that customer is decided again from the log. A customer
   * it could not read whole (a long tail, a snapshot of another log) is left to `recordAll`.
   */
  async prefetch(customerIds: readonly string[]): Promise<Prefetched> {
    return new Prefetched(await this.prefetchStates([...new Set(customerIds)]));
  }

  private async prefetchStates(customerIds: readonly string[]): Promise<Map<string, Folded>> {
    const cached = new Map<string, Folded>();
    for (const id of customerIds) {
      const folded = this.cache.get(id);
      if (folded) cached.set(id, folded);
    }
    const snapshots = await this.latestSnapshots(customerIds.filter((id) => !cached.has(id)));
    // Snapshots that could not be read: only the cached customers are prefetched, the others restore alone (and say why).
    const requests = customerIds.filter((id) => snapshots !== undefined || cached.has(id)).map((customerId) => ({
      customerId,
      // A snapshot's own event is read too: its hash ties the snapshot to this log.
      fromRevision: cached.get(customerId)?.state.version ?? snapshots?.get(customerId)?.revision ?? 0,
    }));
    const tails = await this.store.readStreams(requests, PREFETCH_MAX_EVENTS);
    const states = new Map<string, Folded>();
    for (const [customerId, tail] of tails) {
      let base = cached.get(customerId) ?? UNFOLDED;
      let events = tail;
      const snapshot = snapshots?.get(customerId);
      if (!cached.has(customerId) && snapshot) {
        const restored = vouchedFor(snapshot, tail[0]);
        if (!restored) continue;
        base = restored;
        events = tail.slice(1);
      }
      const folded = { state: fold(events.map(toCustomerEvent), base.state), snapshotRevision: base.snapshotRevision };
      states.set(customerId, await this.snapshotted(customerId, folded, events[events.length - 1]));
    }
    return states;
  }

  /** The latest snapshots of these customers; undefined when they could not be read. */
  private async latestSnapshots(customerIds: readonly string[]): Promise<ReadonlyMap<string, StreamSnapshot> | undefined> {
    if (!this.options.snapshots || customerIds.length === 0) return new Map();
    try {
      return await this.options.snapshots.latestOf(customerIds, CUSTOMER_STATE_SCHEMA);
    } catch {
      return undefined;
    }
  }

  private toEvent(input: EventInput): { command: CustomerEvent; implicitEventId: string } {
    const { customerId: _customerId, eventId, metadata, ...body } = input;
    return {
      command: { ...body, eventId: eventId ?? this.ids.next(), metadata: metadata ?? {} } as CustomerEvent,
      implicitEventId: this.ids.next(),
    };
  }

  /**
   * Decides each event in order against the evolving state. Whether an eventId
   * was recorded before is the log's to say (its unique index), or this plan's
   * for an id it is about to append. An event the decider accepts is not looked
   * up first unless `lookUpAccepted`: were its id recorded, the decider would
   * not have accepted it (it answers a recorded id as a retry), so the append
   * fails on the unique index and the caller decides again with look-ups. Only
   * an event it does not accept is looked up, to tell a retry from a refusal.
   */
  private async plan(customerId: string, commands: readonly { command: CustomerEvent; implicitEventId: string }[], initial: CustomerState, lookUpAccepted: boolean): Promise<Plan[]> {
    const now = this.clock.now().toISOString();
    const plan: Plan[] = [];
    const planned = new Map<string, PriorRecord>();
    let state = initial;
    for (const { command, implicitEventId } of commands) {
      let found: RecordedEvent | undefined;
      const recordedBefore = async (): Promise<PriorRecord | undefined> => {
        found = await this.store.findByEventId(command.eventId);
        return found && { event: toCustomerEvent(found), revision: found.revision, sameStream: found.customerId === customerId };
      };
      let recorded = planned.get(command.eventId) ?? (lookUpAccepted ? await recordedBefore() : undefined);
      const decideWith = (prior: PriorRecord | undefined) => decide({ kind: 'RecordEvent', event: command, now, implicitEventId, ...(prior ? { recorded: prior } : {}) }, state);
      let decision = decideWith(recorded);
      if (decision.outcome !== 'accepted' && recorded === undefined && !lookUpAccepted) {
        recorded = await recordedBefore();
        if (recorded) decision = decideWith(recorded);
      }
      switch (decision.outcome) {
        case 'accepted':
          plan.push({ kind: 'append', events: decision.events });
          decision.events.forEach((event, i) => planned.set(event.eventId, { event, revision: state.version + i, sameStream: true }));
          state = fold(decision.events, state);
          break;
        case 'duplicate':
          plan.push({ kind: 'duplicate', eventId: decision.eventId, ...(found?.eventId === decision.eventId ? { recorded: found } : {}) });
          break;
        case 'refused':
          plan.push({ kind: 'refused', code: decision.refusal.code, message: decision.refusal.message });
          break;
      }
    }
    return plan;
  }

  private async settle(plan: readonly Plan[], recorded: readonly RecordedEvent[]): Promise<RecordOutcome[]> {
    const byId = new Map(recorded.map((e) => [e.eventId, e]));
    const outcomes: RecordOutcome[] = [];
    for (const step of plan) {
      switch (step.kind) {
        case 'append': {
          const events = step.events.map((e) => byId.get(e.eventId)!);
          outcomes.push({ status: 'recorded', events, revision: events[events.length - 1]!.revision });
          break;
        }
        case 'duplicate': {
          // A duplicate of an event recorded earlier in this same group is already known.
          const original = step.recorded ?? byId.get(step.eventId) ?? (await this.store.findByEventId(step.eventId));
          if (!original) throw new Error(`duplicate of ${step.eventId} but the log does not hold it`);
          outcomes.push({ status: 'duplicate', event: original, revision: original.revision });
          break;
        }
        case 'refused':
          outcomes.push({ status: 'rejected', code: step.code, message: step.message });
          break;
      }
    }
    return outcomes;
  }

  /**
   * The customer's state: the cached fold as it is (`current` false) unless `catchUp`; else the
   * cached fold or the latest snapshot, plus whatever the log has beyond it, read a page at a time.
   */
  private async load(customerId: string, catchUp: boolean): Promise<{ readonly folded: Folded; readonly current: boolean }> {
    const cached = this.cache.get(customerId);
    if (cached && !catchUp) return { folded: cached, current: false };
    let folded = cached ?? (await this.restore(customerId));
    let state = folded.state;
    let last: RecordedEvent | undefined;
    await forEachStreamPage(this.store, customerId, state.version, (page) => {
      state = fold(page.map(toCustomerEvent), state);
      last = page[page.length - 1];
    });
    folded = await this.snapshotted(customerId, { state, snapshotRevision: folded.snapshotRevision }, last);
    this.cache.set(customerId, folded);
    return { folded, current: true };
  }

  /** The latest snapshot's state, when the log holds the very event it was folded through; else nothing folded yet. */
  private async restore(customerId: string): Promise<Folded> {
    if (!this.options.snapshots) return UNFOLDED;
    try {
      const snapshot = await this.options.snapshots.latest(customerId, CUSTOMER_STATE_SCHEMA);
      if (!snapshot) return UNFOLDED;
      const [through] = await this.store.readStream(customerId, { fromRevision: snapshot.revision, maxCount: 1 });
      return vouchedFor(snapshot, through) ?? UNFOLDED;
    } catch (error) {
      this.options.onSnapshotError?.(error, customerId);
      return UNFOLDED;
    }
  }

  /**
   * The state, with a snapshot taken when `snapshotEvery` events were folded past the last one.
   * `last` is the last event folded (its hash ties the snapshot to this log). The snapshot holds no
   * personal data (stateWithoutPersonalData), so an erasure has nothing to remove from it.
   */
  private async snapshotted(customerId: string, folded: Folded, last: RecordedEvent | undefined): Promise<Folded> {
    const revision = folded.state.version - 1;
    if (!this.options.snapshots || !last || last.revision !== revision || revision - folded.snapshotRevision < this.snapshotEvery) return folded;
    try {
      await this.options.snapshots.save(customerId, CUSTOMER_STATE_SCHEMA, { revision, eventHash: last.hash, state: stateWithoutPersonalData(folded.state) });
      return { state: folded.state, snapshotRevision: revision };
    } catch (error) {
      this.options.onSnapshotError?.(error, customerId);
      return folded;
    }
  }
}

/**
 * The snapshot's state, when `through` (the log's event at the snapshot's revision) is the very
 * event it was folded through. Another log's stream of the same name (a data directory restored
 * without its log, say) is folded afresh.
 */
function vouchedFor(snapshot: StreamSnapshot, through: RecordedEvent | undefined): Folded | undefined {
  const state = snapshot.state as CustomerState;
  if (!through || through.hash !== snapshot.eventHash || state.version !== snapshot.revision + 1) return undefined;
  return { state, snapshotRevision: snapshot.revision };
}

/** Span attributes of a decision; only computed when the span records. */
function describeDecision(span: Span, customerId: string, attempt: number, state: CustomerState, plan: readonly Plan[]): void {
  if (!span.isRecording()) return;
  span.setAttributes({
    'rapport.customer.id': customerId,
    'rapport.attempt': attempt,
    'rapport.stream.revision': state.version - 1,
    'rapport.events.accepted': plan.reduce((n, p) => n + (p.kind === 'append' ? p.events.length : 0), 0),
    'rapport.events.duplicate': plan.filter((p) => p.kind === 'duplicate').length,
    'rapport.events.refused': plan.filter((p) => p.kind === 'refused').length,
  });
}

/** Span attributes of an append, and the trace context to record with its events. */
function describeAppend(span: Span, customerId: string, count: number, expected: number | 'no_stream'): TraceHeaders {
  if (span.isRecording()) {
    span.setAttributes({ 'rapport.customer.id': customerId, 'rapport.events.count': count, 'rapport.stream.expected_revision': expected === 'no_stream' ? -1 : expected });
  }
  return traceHeadersOf(span);
}

/** The event with the trace context in its metadata (server-set, like the actor: the edge refuses it from an emitter). */
function withTrace(event: CustomerEvent, trace: TraceHeaders): CustomerEvent {
  return { ...event, metadata: { ...event.metadata, ...trace } };
}

type Plan =
  | { readonly kind: 'append'; readonly events: readonly CustomerEvent[] }
  | { readonly kind: 'duplicate'; readonly eventId: string; readonly recorded?: RecordedEvent }
  | { readonly kind: 'refused'; readonly code: RefusalCode; readonly message: string };

/** Jittered, growing pause so racing writers stop colliding in lockstep. */
function backoff(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(50, 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
