import { Inject, Injectable } from '@nestjs/common';
import { ReadProgress } from '@rapport/application';
import type { RapportConfig } from '@rapport/config';
import type { EventStore } from '@rapport/event-store';
import { ProblemException } from '../http/problem';
import { decodeConsistencyToken, invalidConsistencyToken } from '../infrastructure/consistency-token';
import { EVENT_STORE, RAPPORT_CONFIG } from '../infrastructure/tokens';

/** Read-your-writes: waits until the read models reflect the position a write returned. */
@Injectable()
export class ReadConsistency {
  constructor(
    private readonly progress: ReadProgress,
    @Inject(RAPPORT_CONFIG) private readonly config: RapportConfig,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
  ) {}

  async ensure(token: string | undefined): Promise<void> {
    if (token === undefined) return;
    const position = decodeConsistencyToken(token);
    if (position <= this.progress.position) return;
    // Tokens are issued only for recorded positions: one past the log's head is
    // forged, and waiting for it would hold the request for nothing. A log that
    // does not answer here leaves the read to wait and time out as before.
    const head = await this.eventStore.headPosition().catch(() => undefined);
    if (head !== undefined && position > head) throw invalidConsistencyToken('names a position the log has not reached');
    if (await this.progress.waitFor(position, this.config.consistencyTimeoutMs)) return;
    throw new ProblemException(
      503,
      'CONSISTENCY_TIMEOUT',
      'Read models not caught up',
      `The read models did not reach the write within ${this.config.consistencyTimeoutMs} ms; retry shortly.`,
      [],
      { 'retry-after': '1' },
    );
  }
}
