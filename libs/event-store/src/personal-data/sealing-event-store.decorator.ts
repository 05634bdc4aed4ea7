// The event log as the write side and the projections use it: personal fields
// are sealed on append and opened on every read. Audit reads (history, export,
// verify) and the relay use the bare log, which holds only the sealed form the
// hash chain covers.
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  ExpectedRevision,
  FollowOptions,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamTail,
} from '../event-store.port';
import type { KeyUse } from './key-store.port';
import { isSealedValue, type PersonalDataVault } from './personal-data.vault';

export class SealingEventStore implements EventStore {
  constructor(
    /** The bare log: sealed personal fields, as hashed. */
    readonly log: EventStore,
    readonly vault: PersonalDataVault,
  ) {}

  async append(customerId: string, events: readonly NewEvent[], expected: ExpectedRevision, options: AppendOptions = {}): Promise<AppendResult> {
    const use = async (): Promise<KeyUse> => ({
      revision: await this.landingRevision(customerId, expected),
      since: options.lastErasureRevision === undefined ? -1 : options.lastErasureRevision + 1,
    });
    const result = await this.log.append(customerId, await this.vault.seal(customerId, events, use), expected, options);
    // The caller gets back the data it gave (normalised by the log), not a second decryption of it.
    const given = new Map(events.map((event) => [event.eventId, event.data]));
    return { ...result, events: result.events.map((event) => ({ ...event, data: opened(event.data, given.get(event.eventId)) })) };
  }

  async readStream(customerId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.vault.open(await this.log.readStream(customerId, options));
  }

  /** Every tail opened together: one key look-up for all the streams. */
  async readStreams(requests: readonly StreamTail[], maxEvents: number): Promise<Map<string, RecordedEvent[]>> {
    const tails = await this.log.readStreams(requests, maxEvents);
    const opened = await this.vault.open([...tails.values()].flat());
    let next = 0;
    return new Map([...tails].map(([id, events]) => [id, opened.slice(next, (next += events.length))]));
  }

  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.vault.open(await this.log.readAll(options));
  }

  async *follow(options?: FollowOptions): AsyncIterable<RecordedEvent[]> {
    for await (const batch of this.log.follow(options)) yield await this.vault.open(batch);
  }

  async findByEventId(eventId: string): Promise<RecordedEvent | undefined> {
    const event = await this.log.findByEventId(eventId);
    return event ? (await this.vault.open([event]))[0] : undefined;
  }

  /** Where the events of an append land: known from `expected`, else at least after the stream's last event. */
  private async landingRevision(customerId: string, expected: ExpectedRevision): Promise<number> {
    if (typeof expected === 'number') return expected + 1;
    if (expected === 'no_stream') return 0;
    const [last] = await this.log.readStream(customerId, { direction: 'backward', maxCount: 1 });
    return last ? last.revision + 1 : 0;
  }

  headPosition(): Promise<number> {
    return this.log.headPosition();
  }

  /** Closes the log and the key store. */
  async close(): Promise<void> {
    await Promise.allSettled([this.log.close(), this.vault.keys.close()]);
  }
}

/** The recorded data with each sealed personal field replaced by the value it was given. */
function opened(recorded: unknown, given: unknown): unknown {
  if (typeof recorded !== 'object' || recorded === null || typeof given !== 'object' || given === null) return recorded;
  const data: Record<string, unknown> = { ...(recorded as Record<string, unknown>) };
  for (const [field, value] of Object.entries(data)) {
    if (isSealedValue(value)) data[field] = (given as Record<string, unknown>)[field];
  }
  return data;
}
