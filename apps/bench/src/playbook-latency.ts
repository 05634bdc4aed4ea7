// How late each playbook step was recorded, from the log itself: an
// `action_requested` is dated (occurredAt) the instant its step fell due, and
// its recordedAt is when the log recorded it.
import type { EventStore, RecordedEvent } from '@rapport/event-store';

export interface FiringLatencies {
  /** recordedAt − occurredAt of each measured action_requested, ms, in log order. */
  readonly latenciesMs: number[];
  /** Measured actions recorded before they were due (never expected). */
  readonly beforeDue: number;
  /** Measured actionIds recorded more than once (never expected). */
  readonly duplicates: number;
  /** action_requested of customers whose timers were not due (never expected). */
  readonly early: number;
  /** The first measured step's due instant and the last one's recording, ms since the epoch (NaN without any). */
  readonly firstDueMs: number;
  readonly lastRecordedMs: number;
}

/** What the measure reads of a recorded event. */
export interface DatedEvent {
  readonly type: string;
  readonly customerId: string;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly data: unknown;
}

export function latenciesOf(
  events: Iterable<DatedEvent>,
  measured: (customerId: string) => boolean,
  notDue: (customerId: string) => boolean,
): FiringLatencies {
  const latenciesMs: number[] = [];
  const actions = new Set<string>();
  let beforeDue = 0;
  let duplicates = 0;
  let early = 0;
  let firstDueMs = Number.NaN;
  let lastRecordedMs = Number.NaN;
  for (const event of events) {
    if (event.type !== 'action_requested') continue;
    if (notDue(event.customerId)) early++;
    if (!measured(event.customerId)) continue;
    const actionId = (event.data as { actionId?: string }).actionId ?? '';
    if (actions.has(actionId)) duplicates++;
    actions.add(actionId);
    const dueMs = Date.parse(event.occurredAt);
    const recordedMs = Date.parse(event.recordedAt);
    if (recordedMs < dueMs) beforeDue++;
    latenciesMs.push(recordedMs - dueMs);
    if (!(dueMs >= firstDueMs)) firstDueMs = dueMs;
    if (!(recordedMs <= lastRecordedMs)) lastRecordedMs = recordedMs;
  }
  return { latenciesMs, beforeDue, duplicates, early, firstDueMs, lastRecordedMs };
}

/** Reads the whole log a page at a time and measures its action_requested events. */
export async function firingLatencies(log: EventStore, measured: (customerId: string) => boolean, notDue: (customerId: string) => boolean): Promise<FiringLatencies> {
  const all: RecordedEvent[] = [];
  for (let after = -1; ; ) {
    const page = await log.readAll({ after, maxCount: 5_000 });
    if (page.length === 0) break;
    for (const event of page) if (event.type === 'action_requested') all.push(event);
    after = page[page.length - 1]!.position;
  }
  return latenciesOf(all, measured, notDue);
}
