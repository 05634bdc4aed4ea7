// Webhooks (SPEC section 10, "Delivery"): every requested action of the kinds
// an endpoint asked for is POSTed to it, signed per Standard Webhooks
// (webhook-id, webhook-timestamp, webhook-signature), retried with backoff, in
// log order — so in order per customer — and, after its last try, recorded
// as `failed` (an `action_acknowledged`), which the queue then shows.
//
// Each endpoint follows the customer log from its own checkpoint in the
// runner's store, moved past an action once it was delivered or given up on.
// A crash between the delivery and the checkpoint delivers that action again
// with the same webhook-id: receivers deduplicate by it, as the standard says.
import { createHash } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { sleep, type StructuredLogger } from '@rapport/config';
import type { DocumentStore } from '@rapport/document-store';
import type { ActionRequestedData, RecordedCustomerEvent } from '@rapport/domain';
import { actionEventType, actionPayload } from '@rapport/playbooks';
import type { EventStore, RecordedEvent } from '@rapport/event-store';
import type { Clock } from '../customer-commands.service';
import { toCustomerEvent } from '../recorded-event.mapper';
import type { ActionAcknowledgement } from './action-acknowledgement.service';

export interface WebhookEndpoint {
  readonly url: string;
  /** Action kinds sent to it (`task`, `offer`, `message`, `record`). */
  readonly kinds: readonly string[];
  /** `whsec_` followed by the base64 key, as Standard Webhooks secrets are written. */
  readonly secret: string;
}

/** How a request leaves the process: an adapter over fetch in the apps, a fake in tests. */
export interface WebhookTransport {
  /** Resolves with the receiver's status; rejects when no answer came (refused, reset, timed out). */
  post(url: string, body: string, headers: Readonly<Record<string, string>>, timeoutMs: number): Promise<number>;
}

export interface WebhookDispatcherOptions {
  readonly endpoints: readonly WebhookEndpoint[];
  /** Pauses before each retry; its length + 1 is the number of tries. Default 1 s, 5 s, 30 s, 2 min, 10 min. */
  readonly retryDelaysMs?: readonly number[];
  /** Time limit of each request. Default 10 s. */
  readonly timeoutMs?: number;
  readonly logger?: StructuredLogger;
}

export const DEFAULT_WEBHOOK_RETRY_DELAYS_MS = [1_000, 5_000, 30_000, 120_000, 600_000] as const;
/** The actor of the `failed` acknowledgements a webhook's last try records. */
export const WEBHOOK_ACTOR = 'rapport-webhooks';

/** The checkpoint of an endpoint: by its URL, so reordering the file keeps each one's place. */
export function webhookCheckpoint(url: string): string {
  return `webhook:${createHash('sha256').update(url).digest('hex').slice(0, 16)}`;
}

/** What a receiver gets: Standard Webhooks' `{type, timestamp, data}`, data as on the Kafka action feed. */
export function webhookPayload(event: RecordedEvent, timestamp: Date): string {
  const payload = actionPayload(toCustomerEvent(event) as Extract<RecordedCustomerEvent, { type: 'action_requested' }>);
  return JSON.stringify({ type: actionEventType(payload.kind), timestamp: timestamp.toISOString(), data: payload });
}

export class WebhookDispatcher {
  private abort: AbortController | undefined;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly log: EventStore,
    private readonly acknowledgements: ActionAcknowledgement,
    private readonly store: DocumentStore,
    private readonly transport: WebhookTransport,
    private readonly clock: Clock,
    private readonly options: WebhookDispatcherOptions,
  ) {}

  async start(): Promise<void> {
    if (this.abort || this.options.endpoints.length === 0) return;
    this.abort = new AbortController();
    const { signal } = this.abort;
    const starts = await Promise.all(this.options.endpoints.map(async (endpoint) => ({ endpoint, after: await this.startingPoint(endpoint) })));
    this.loops = starts.map(({ endpoint, after }) => this.follow(endpoint, after, signal));
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    await Promise.allSettled(this.loops);
    this.abort = undefined;
    this.loops = [];
  }

  /** Where an endpoint resumes: its checkpoint, or the log's head for an endpoint new to this log (history is not sent). */
  private async startingPoint(endpoint: WebhookEndpoint): Promise<number> {
    const name = webhookCheckpoint(endpoint.url);
    const stored = await this.store.getCheckpoint(name);
    if (stored >= 0) return stored;
    const head = await this.log.headPosition();
    // An empty log has no history to skip.
    if (head >= 0) await this.store.commit({ writes: [], checkpoints: [{ name, position: head }] });
    return head;
  }

  private async follow(endpoint: WebhookEndpoint, after: number, signal: AbortSignal): Promise<void> {
    const signer = new Webhook(endpoint.secret);
    const name = webhookCheckpoint(endpoint.url);
    let position = after;
    while (!signal.aborted) {
      try {
        for await (const batch of this.log.follow({ after: position, signal })) {
          for (const event of batch) {
            if (event.type !== 'action_requested' || !endpoint.kinds.includes((event.data as ActionRequestedData).action.kind)) continue;
            await this.deliver(endpoint, signer, event, signal);
            if (signal.aborted) return;
            // Past this action for good, before the next one's tries begin (a retry of the batch starts after it).
            await this.store.commit({ writes: [], checkpoints: [{ name, position: event.position }] });
            position = event.position;
          }
          if (batch.length === 0) continue;
          position = batch[batch.length - 1]!.position;
          await this.store.commit({ writes: [], checkpoints: [{ name, position }] });
        }
      } catch (error) {
        if (signal.aborted) return;
        this.options.logger?.warn('webhooks: following the log failed; retrying', { url: endpoint.url, error: describe(error) });
        await sleep(1_000, signal).catch(() => undefined);
      }
    }
  }

  /** Tries until the receiver answers 2xx or the tries run out; then records the action `failed`. */
  private async deliver(endpoint: WebhookEndpoint, signer: Webhook, event: RecordedEvent, signal: AbortSignal): Promise<void> {
    const delays = this.options.retryDelaysMs ?? DEFAULT_WEBHOOK_RETRY_DELAYS_MS;
    const { actionId } = event.data as ActionRequestedData;
    // The same id on every try: a receiver that got an earlier one can tell.
    const id = event.eventId;
    let last = '';
    for (let attempt = 0; attempt <= delays.length; attempt++) {
      if (attempt > 0) await sleep(delays[attempt - 1]!, signal).catch(() => undefined);
      if (signal.aborted) return;
      const timestamp = this.clock.now();
      const body = webhookPayload(event, timestamp);
      const headers = {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': signer.sign(id, timestamp, body),
      };
      try {
        const status = await this.transport.post(endpoint.url, body, headers, this.options.timeoutMs ?? 10_000);
        if (status >= 200 && status < 300) return;
        last = `answered ${status}`;
      } catch (error) {
        last = describe(error);
      }
      this.options.logger?.warn('webhooks: delivery failed', { url: endpoint.url, actionId, attempt: attempt + 1, of: delays.length + 1, reason: last });
    }
    // The host only: a receiver's URL may carry a token, and this detail is recorded in the log for ever.
    const detail = `webhook to ${new URL(endpoint.url).host}: ${delays.length + 1} tries, the last ${last}`.slice(0, 1000);
    await this.acknowledgements.acknowledge(actionId, 'failed', detail, WEBHOOK_ACTOR);
  }
}

/** The transport over the runtime's fetch. */
export const fetchWebhookTransport: WebhookTransport = {
  async post(url, body, headers, timeoutMs) {
    const response = await fetch(url, { method: 'POST', body, headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    // The body is not needed; releasing it frees the connection.
    await response.body?.cancel().catch(() => undefined);
    return response.status;
  },
};

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
