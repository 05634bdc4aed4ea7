// Audit reads come from the log itself, never from read models.
import { fold, type CustomerState } from '@rapport/domain';
import { verifyChain, type EventStore, type PersonalDataStatus, type PersonalDataVault, type RecordedEvent } from '@rapport/event-store';
import { toCustomerEvent } from './recorded-event.mapper';

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

export interface ReplayedState {
  readonly customerId: string;
  /** Revision of the last event folded, -1 when none. */
  readonly revision: number;
  readonly eventsApplied: number;
  readonly state: CustomerState;
}

export class AuditService {
  constructor(
    /** The bare log: audit shows and verifies what was recorded and hashed. */
    private readonly store: EventStore,
    /** Opens sealed personal fields for replayed state; without it they stay sealed. */
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
   * Replays the stream through the decider's evolve. `asOf` is record time: the
   * state the log held at that instant (what the system knew then), since the
   * log is ordered by recording, not by business time.
   */
  async stateAt(customerId: string, at: StateAt): Promise<ReplayedState | undefined> {
    const events = await this.store.readStream(customerId);
    if (events.length === 0) return undefined;
    const included =
      'asOf' in at
        ? events.filter((e) => Date.parse(e.recordedAt) <= at.asOf.getTime())
        : events.filter((e) => e.revision <= at.atRevision);
    const last = included[included.length - 1];
    return {
      customerId,
      revision: last ? last.revision : -1,
      eventsApplied: included.length,
      state: fold((this.personalData ? await this.personalData.open(included) : included).map(toCustomerEvent)),
    };
  }

  async verify(customerId: string) {
    const events = await this.store.readStream(customerId);
    return { customerId, ...verifyChain(events) };
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
