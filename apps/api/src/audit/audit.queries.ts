import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { AuditService, type HistoryPage, type ReplayedState, type StateAt } from '@rapport/application';

export class GetHistoryQuery {
  constructor(
    readonly customerId: string,
    readonly fromRevision: number,
    readonly limit: number,
  ) {}
}
export class GetStateQuery {
  constructor(
    readonly customerId: string,
    readonly at: StateAt,
  ) {}
}
export class VerifyStreamQuery {
  constructor(readonly customerId: string) {}
}

@QueryHandler(GetHistoryQuery)
export class GetHistoryHandler implements IQueryHandler<GetHistoryQuery, HistoryPage> {
  constructor(@Inject(AuditService) private readonly audit: AuditService) {}
  execute(q: GetHistoryQuery): Promise<HistoryPage> {
    return this.audit.history(q.customerId, q.fromRevision, q.limit);
  }
}

@QueryHandler(GetStateQuery)
export class GetStateHandler implements IQueryHandler<GetStateQuery, ReplayedState | undefined> {
  constructor(@Inject(AuditService) private readonly audit: AuditService) {}
  execute(q: GetStateQuery): Promise<ReplayedState | undefined> {
    return this.audit.stateAt(q.customerId, q.at);
  }
}

@QueryHandler(VerifyStreamQuery)
export class VerifyStreamHandler implements IQueryHandler<VerifyStreamQuery> {
  constructor(@Inject(AuditService) private readonly audit: AuditService) {}
  execute(q: VerifyStreamQuery) {
    return this.audit.verify(q.customerId);
  }
}
