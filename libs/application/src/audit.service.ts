// Audit reads come from the log itself, never from read models.
import { fold, initialState, withoutPersonalData, type CustomerEvent, type CustomerState } from '@rapport/domain';
import { ChainVerifier, type EventStore, type PersonalDataStatus, type PersonalDataVault, type RecordedEvent } from '@rapport/event-store';
import { toCustomerEvent } from './recorded-event.mapper';
import { forEachStreamPage } from './stream-pages';

/**
 * An event as the log holds it (personal fields sealed, exactly what the hash
 * covers) and, when it has personal fields, whether they can still be opened.
 */
export type AuditedEvent = RecordedEvent & { readonly personalData?: PersonalDataStatus };

export interface HistoryPage {
  readonly customerId: string;
  readonly events: readonly AuditedEvent[];
  /** fromRevision of the next page, or null when this page reaches the stream's end. */
  readonly nextRevision: number | null;
}

export type StateAt = { readonly asOf: Date } | { readonly atRevision: number };

/**
 * Who the customer is, as the log holds it: each personal field sealed exactly
 * as recorded, never opened. `attributes` lists the sealed maps in the order
 * they were merged (a later map's keys win).
 */
export interface SealedIdentity {
  readonly name?: string;
  readonly email?: string;
  readonly phone?: string;
  readonly attributes?: readonly string[];
}

export type AuditedState = Omit<CustomerState, 'identity'> & { readonly identity: SealedIdentity };

export interface ReplayedState {
  readonly customerId: string;
  /** Revision of the last event folded, -1 when none. */
  readonly revision: number;
  readonly eventsApplied: number;
  readonly state: AuditedState;
}

export class AuditService {
  constructor(
    /** The bare log: audit shows and verifies what was recorded and hashed. */
    private readonly store: EventStore,
    /** Tells whether sealed personal fields can still be opened; audit views never open them. */
    private readonly personalData?: PersonalDataVault,
  ) {}

  async history(customerId: string, fromRevision: number, limit: number): Promise<HistoryPage> {
    const events = await this.store.readStream(customerId, { fromRevision, maxCount: limit + 1 });
    const page = events.slice(0, limit);
    return {
      customerId,
      events: await withPersonalDataStatus(page, this.personalData),
      nextRevision: events.length > limit ? events[limit]!.revision : null,
    };
  }

  /**
   * Replays the stream through the decider's fold. `asOf` is record time: the
   * state the log held at that instant (what the system knew then), since the
   * log is ordered by recording, not by business time. Personal fields stay
   * sealed, as in history and export (SPEC section 8): the keys are never used.
   */
  async stateAt(customerId: string, at: StateAt): Promise<ReplayedState | undefined> {
    let state = initialState;
    let identity: SealedIdentity = {};
    let revision = -1;
    let eventsApplied = 0;
    let seen = 0;
    await forEachStreamPage(this.store, customerId, 0, async (page) => {
      seen += page.length;
      const included =
        'asOf' in at
          ? page.filter((e) => Date.parse(e.recordedAt) <= at.asOf.getTime())
          : page.filter((e) => e.revision <= at.atRevision);
      // Fields whose key is destroyed read as gone here too, as they do for every reader.
      const statuses = await withPersonalDataStatus(included.filter((e) => e.type === 'identified'), this.personalData);
      const erased = new Set(statuses.filter((e) => e.personalData === 'erased').map((e) => e.eventId));
      for (const event of included) if (!erased.has(event.eventId)) identity = sealedIdentityAfter(identity, toCustomerEvent(event));
      // The identity is kept sealed above; the fold sees the rest (a sealed map cannot be merged).
      state = fold(included.map(withoutSealedIdentity), state);
      if (included.length > 0) revision = included[included.length - 1]!.revision;
      eventsApplied += included.length;
      return 'asOf' in at || page[page.length - 1]!.revision < at.atRevision;
    });
    if (seen === 0) return undefined;
    return { customerId, revision, eventsApplied, state: { ...state, identity } };
  }

  async verify(customerId: string) {
    const verifier = new ChainVerifier();
    await forEachStreamPage(this.store, customerId, 0, (page) => verifier.add(page));
    return { customerId, ...verifier.result() };
  }
}

/** Marks each event whose personal fields are sealed or erased. */
export async function withPersonalDataStatus(events: readonly RecordedEvent[], vault: PersonalDataVault | undefined): Promise<AuditedEvent[]> {
  if (!vault) return [...events];
  const statuses = await vault.status(events);
  return events.map((event) => {
    const personalData = statuses.get(event.eventId);
    return personalData ? { ...event, personalData } : event;
  });
}

function sealedIdentityAfter(identity: SealedIdentity, event: CustomerEvent): SealedIdentity {
  if (event.type === 'personal_data_erased') return {};
  if (event.type !== 'identified') return identity;
  const { name, email, phone, attributes } = event.data as Record<string, unknown>;
  const next: { -readonly [K in keyof SealedIdentity]: SealedIdentity[K] } = { ...identity };
  if (typeof name === 'string') next.name = name;
  if (typeof email === 'string') next.email = email;
  if (typeof phone === 'string') next.phone = phone;
  if (attributes !== undefined) next.attributes = [...(identity.attributes ?? []), typeof attributes === 'string' ? attributes : JSON.stringify(attributes)];
  return next;
}

function withoutSealedIdentity(recorded: RecordedEvent): CustomerEvent {
  const event = toCustomerEvent(recorded);
  return event.type === 'identified' ? ({ ...event, data: withoutPersonalData(event.type, event.data) } as CustomerEvent) : event;
}
