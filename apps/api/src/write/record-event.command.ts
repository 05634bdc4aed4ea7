import { Command } from '@nestjs/cqrs';
import type { RecordOutcome } from '@rapport/application';
import type { FieldError, ValidEnvelope } from '@rapport/contract';

/** Answers with the application's outcome; a refusal is a value the HTTP edge maps, never an exception. */
export class RecordEventCommand extends Command<RecordOutcome> {
  constructor(
    readonly input: ValidEnvelope,
    /** From If-Match: the stream's last revision must be this. */
    readonly expectedRevision: number | undefined,
    /** Who is recording: taken from the credential, never from the body. */
    readonly actor: string,
  ) {
    super();
  }
}

export type BatchItem =
  | { readonly index: number; readonly input: ValidEnvelope }
  /** `reserved`: its type is one only Rapport records (RESERVED_EVENT_TYPE). */
  | { readonly index: number; readonly invalid: FieldError[]; readonly reserved?: true; readonly eventId?: string };

export interface BatchItemResult {
  readonly index: number;
  readonly eventId: string | null;
  readonly status: 'recorded' | 'duplicate' | 'rejected';
  readonly revision?: number;
  readonly position?: number;
  readonly error?: { readonly code: string; readonly message: string; readonly errors?: readonly { field: string; message: string }[] };
}

export class RecordBatchCommand extends Command<BatchItemResult[]> {
  constructor(
    readonly items: readonly BatchItem[],
    readonly actor: string,
  ) {
    super();
  }
}
