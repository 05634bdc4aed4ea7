import { Inject, Injectable } from '@nestjs/common';
import { ProjectionRunner } from '@rapport/application';
import type { RapportConfig } from '@rapport/config';
import { ProblemException } from '../http/problem';
import { decodeConsistencyToken } from '../infrastructure/consistency-token';
import { RAPPORT_CONFIG } from '../infrastructure/tokens';

/** Read-your-writes: waits until the read models reflect the position a write returned. */
@Injectable()
export class ReadConsistency {
  constructor(
    private readonly runner: ProjectionRunner,
    @Inject(RAPPORT_CONFIG) private readonly config: RapportConfig,
  ) {}

  async ensure(token: string | undefined): Promise<void> {
    if (token === undefined) return;
    const position = decodeConsistencyToken(token);
    if (await this.runner.waitFor(position, this.config.consistencyTimeoutMs)) return;
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
