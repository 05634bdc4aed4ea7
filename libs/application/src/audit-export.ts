// Audit export: every recorded event in log order, rendered line by line so an
// export of any size streams without being held in memory.
import { stringify } from 'csv-stringify/sync';
import { streamName } from '@rapport/domain';
import type { EventStore, PersonalDataVault } from '@rapport/event-store';
import { withPersonalDataStatus, type AuditedEvent } from './audit.service';

export type ExportFormat = 'jsonl' | 'csv';

export interface ExportRange {
  /** Inclusive lower bound on recordedAt. */
  readonly from?: Date;
  /** Inclusive upper bound on recordedAt. */
  readonly to?: Date;
}

export const CSV_COLUMNS = [
  'position',
  'stream',
  'customerId',
  'revision',
  'eventId',
  'type',
  'occurredAt',
  'recordedAt',
  'data',
  'metadata',
  'hash',
  'personalData',
  // Last, so readers that count columns keep working; empty for version 1, as recorded.
  'schemaVersion',
] as const;

/**
 * Recorded events within the range, read from the log a page at a time, as
 * recorded (personal fields sealed, payloads in the schema version they were
 * written in, so every line re-hashes to its hash) and
 * marked `personalData: sealed | erased` where they have personal fields.
 */
export async function* exportEvents(
  store: EventStore,
  range: ExportRange = {},
  pageSize = 1000,
  vault?: PersonalDataVault,
): AsyncGenerator<AuditedEvent> {
  const from = range.from?.getTime() ?? -Infinity;
  const to = range.to?.getTime() ?? Infinity;
  let after: number | undefined;
  for (;;) {
    const page = await store.readAll({ ...(after !== undefined ? { after } : {}), maxCount: pageSize });
    if (page.length === 0) return;
    for (const event of await withPersonalDataStatus(page, vault)) {
      const recorded = Date.parse(event.recordedAt);
      if (recorded >= from && recorded <= to) yield event;
    }
    after = page[page.length - 1]!.position;
  }
}

/** The export as text chunks: a header line for CSV, then one line per event. */
export async function* renderExport(events: AsyncIterable<AuditedEvent>, format: ExportFormat): AsyncGenerator<string> {
  if (format === 'csv') yield stringify([[...CSV_COLUMNS]]);
  for await (const event of events) {
    const envelope = { ...event, stream: streamName(event.customerId) };
    if (format === 'jsonl') {
      yield `${JSON.stringify(envelope)}\n`;
    } else {
      yield stringify([
        CSV_COLUMNS.map((column) => {
          const value = envelope[column];
          if (value === undefined) return '';
          return typeof value === 'object' ? JSON.stringify(value) : String(value);
        }),
      ]);
    }
  }
}
