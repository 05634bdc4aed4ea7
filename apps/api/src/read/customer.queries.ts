import { Query } from '@nestjs/cqrs';
import type { PurchaseModelName, RfmRow, RfmSegment } from '@rapport/analytics';
import type { CustomerView, TimelineEntry } from '@rapport/projections';
import type { CustomerListQuery, ModelSelection, Page, PredictionIntervals, TimelineQuery } from '@rapport/application';

/** A cursor this server did not issue: a value the HTTP edge alone maps to a problem. */
export interface InvalidCursor {
  readonly refused: 'INVALID_CURSOR';
  readonly message: string;
}

/** The 360 document as read: the latest erasure says whether its keys are destroyed yet. */
export type CustomerRead = Omit<CustomerView, 'erasure'> & {
  readonly erasure?: { readonly status: 'pending' | 'complete' } & NonNullable<CustomerView['erasure']>;
};

/** What a customer's purchases predict, when a model could be fitted and the customer has purchased. */
export interface CustomerPredictions {
  readonly asOf: string;
  readonly currency: string;
  readonly horizonWeeks: number;
  readonly pAlive: number;
  readonly expectedPurchases: number | null;
  readonly expectedSpend: number | null;
  readonly clv: number | null;
  /** The purchase model used (RAPPORT_PURCHASE_MODEL). */
  readonly model: PurchaseModelName;
  /** How `best` chose the model, when configured so. */
  readonly modelSelection?: ModelSelection;
  /** 90 % intervals of pAlive, expectedPurchases, expectedSpend and clv; null when the parameters' covariance is not available. */
  readonly intervals: PredictionIntervals | null;
}

/** The customer 360: the read model with its erasure status, RFM row and predictions, assembled by one query. */
export interface Customer360 {
  readonly view: CustomerRead;
  /** As of the start of the hour in the reporting currency; null when the customer has no purchase in it. */
  readonly rfm: ({ readonly asOf: string; readonly currency: string } & RfmRow) | null;
  readonly predictions: CustomerPredictions | null;
  /** Why predictions is null when no model could be fitted yet (e.g. too few customers). */
  readonly predictionsUnavailable?: string;
}

/** Undefined when the read models hold no such customer. */
export class GetCustomer360Query extends Query<Customer360 | undefined> {
  constructor(readonly customerId: string) {
    super();
  }
}

/** The list's filters; a segment is resolved to its members by the handler. */
export type CustomerListRequest = Omit<CustomerListQuery, 'customerIds'> & { readonly segment?: RfmSegment };

export class ListCustomersQuery extends Query<Page<CustomerRead> | InvalidCursor> {
  constructor(readonly query: CustomerListRequest) {
    super();
  }
}

export class GetTimelineQuery extends Query<Page<TimelineEntry> | InvalidCursor> {
  constructor(
    readonly customerId: string,
    readonly page: TimelineQuery,
  ) {
    super();
  }
}
