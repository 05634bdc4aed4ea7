import type { ValidEnvelope } from '@rapport/contract';

export class RecordEventCommand {
  constructor(
    readonly input: ValidEnvelope,
    /** From If-Match: the stream's last revision must be this. */
    readonly expectedRevision: number | undefined,
    /** Who is recording: taken from the credential, never from the body. */
    readonly actor: string,
  ) {}
}

export type BatchItem = { readonly index: number; readonly input: ValidEnvelope } | { readonly index: number; readonly invalid: import('@rapport/contract').FieldError[]; readonly eventId?: string };

export class RecordBatchCommand {
  constructor(
    readonly items: readonly BatchItem[],
    readonly actor: string,
  ) {}
}
