import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { AuditService, type HistoryPage, type ReplayedState, type StateAt } from '@rapport/application';

/** The chain's verdict on one stream, as the audit service gives it. */
export type StreamVerification = Awaited<ReturnType<AuditService['verify']>>;

export class GetHistoryQuery extends Query<HistoryPage> {
  constructor(
    readonly customerId: string,
    readonly fromRevision: number,
    readonly limit: number,
  ) {
    super();
  }
}
/** Undefined when the log holds nothing for the customer at that point. */
export class GetStateQuery extends Query<ReplayedState | undefined> {
  constructor(
    readonly customerId: string,
    readonly at: StateAt,
  ) {
    super();
  }
}
export class VerifyStreamQuery extends Query<StreamVerification> {
  constructor(readonly customerId: string) {
    super();
  }
}

@QueryHandler(GetHistoryQuery)
export class GetHistoryHandler implements IQueryHandler<GetHistoryQuery> {
  constructor(@Inject(AuditService) private readonly audit: AuditService) {}
  execute(q: GetHistoryQuery): Promise<HistoryPage> {
    return this.audit.history(q.customerId, q.fromRevision, q.limit);
  }
}

@QueryHandler(GetStateQuery)
export class GetStateHandler implements IQueryHandler<GetStateQuery> {
  constructor(@Inject(AuditService) private readonly audit: AuditService) {}
  execute(q: GetStateQuery): Promise<ReplayedState | undefined> {
    return this.audit.stateAt(q.customerId, q.at);
  }
}

@QueryHandler(VerifyStreamQuery)
export class VerifyStreamHandler implements IQueryHandler<VerifyStreamQuery> {
  constructor(@Inject(AuditService) private readonly audit: AuditService) {}
  execute(q: VerifyStreamQuery): Promise<StreamVerification> {
    return this.audit.verify(q.customerId);
  }
}
