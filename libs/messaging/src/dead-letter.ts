// The dead-letter topic `<topic>.dlq`: a message the projector could not
// apply, or one it held back because an earlier event of the same customer
// could not be applied. The original key, value and headers are kept byte for
// byte; the reason travels in extra headers (documented in docs/asyncapi.yaml).
import type { ReceivedMessage } from './customer-event.message';

export const DLQ_HEADER = {
  /** Why: the error message, or for a held-back event which customer is parked. */
  error: 'rapport_error',
  /** malformed | projection_failed | held_back */
  kind: 'rapport_error_kind',
  originalTopic: 'rapport_original_topic',
  originalPartition: 'rapport_original_partition',
  originalOffset: 'rapport_original_offset',
  /** RFC 3339 time the projector dead-lettered it. */
  deadLetteredAt: 'rapport_dead_lettered_at',
  /** The projector's consumer group. */
  consumerGroup: 'rapport_consumer_group',
} as const;

export type DeadLetterKind = 'malformed' | 'projection_failed' | 'held_back';

export interface DeadLetter {
  readonly message: ReceivedMessage;
  readonly kind: DeadLetterKind;
  readonly error: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export interface OutgoingMessage {
  readonly key: Buffer | string | null;
  readonly value: Buffer | string | null;
  readonly headers: Record<string, Buffer | string>;
}

/** Builds the dead-letter message: the original message plus the reason headers. */
export function toDeadLetterMessage(letter: DeadLetter, consumerGroup: string, now: Date = new Date()): OutgoingMessage {
  const headers: Record<string, Buffer | string> = {};
  for (const [name, value] of Object.entries(letter.message.headers ?? {})) {
    if (value === undefined || name.startsWith('rapport_error') || name.startsWith('rapport_original_')) continue;
    headers[name] = Array.isArray(value) ? value[0]! : value;
  }
  Object.assign(headers, {
    [DLQ_HEADER.error]: truncate(letter.error, 4000),
    [DLQ_HEADER.kind]: letter.kind,
    [DLQ_HEADER.originalTopic]: letter.topic,
    [DLQ_HEADER.originalPartition]: String(letter.partition),
    [DLQ_HEADER.originalOffset]: letter.offset,
    [DLQ_HEADER.deadLetteredAt]: now.toISOString(),
    [DLQ_HEADER.consumerGroup]: consumerGroup,
  });
  return { key: letter.message.key, value: letter.message.value, headers };
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
