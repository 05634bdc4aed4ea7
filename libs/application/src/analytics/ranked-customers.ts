// Every customer's value figures, as the rankings (at risk, most valuable)
// read them, held between two changes to the purchases. As one object a
// customer, each of its six numbers is a heap number of its own (V8 boxes
// fractional fields under pointer compression): about 170 bytes a customer,
// 17 MiB at 100,000. Packed in columns it is 48 bytes and one id a customer;
// only the customers a ranking answers with are made into objects.

export interface RankedCustomer {
  readonly customerId: string;
  readonly pAlive: number;
  readonly expectedPurchases: number;
  readonly expectedSpend: number | null;
  readonly clv: number | null;
  /** Spend so far in `currency`, minor units. */
  readonly pastValue: number;
  /** at-risk: pastValue × (1 − pAlive), the value likely to be lost. */
  readonly valueAtRisk: number;
}

/** What a ranking orders by, highest first. */
export type RankingKey = 'valueAtRisk' | 'clv';

export class RankedCustomers {
  private constructor(
    private readonly ids: readonly string[],
    private readonly pAlive: Float64Array,
    private readonly expectedPurchases: Float64Array,
    /** NaN: no expected spend (Gamma-Gamma not fitted). */
    private readonly expectedSpend: Float64Array,
    /** NaN: no CLV. */
    private readonly clv: Float64Array,
    private readonly pastValue: Float64Array,
    private readonly valueAtRisk: Float64Array,
  ) {}

  /**
   * The customers packed, in the order given. An expected spend or CLV that is not a finite
   * number (a degenerate fit can give an infinite spend, and a NaN CLV from it) is none: held
   * as NaN, read back as null, and left out of the CLV ranking. JSON showed it as null anyway,
   * and a NaN made the sort's order undefined for everyone.
   */
  static of(customers: Iterable<RankedCustomer>, count: number): RankedCustomers {
    const ids: string[] = [];
    const columns = Array.from({ length: 6 }, () => new Float64Array(count));
    const [pAlive, expectedPurchases, expectedSpend, clv, pastValue, valueAtRisk] = columns as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
    for (const customer of customers) {
      const i = ids.length;
      if (i === count) throw new RangeError(`more than the ${count} customers announced`);
      ids.push(customer.customerId);
      pAlive[i] = customer.pAlive;
      expectedPurchases[i] = customer.expectedPurchases;
      expectedSpend[i] = finiteOrNaN(customer.expectedSpend);
      clv[i] = finiteOrNaN(customer.clv);
      pastValue[i] = customer.pastValue;
      valueAtRisk[i] = customer.valueAtRisk;
    }
    const used = (column: Float64Array) => (ids.length === count ? column : column.slice(0, ids.length));
    return new RankedCustomers(ids, used(pAlive), used(expectedPurchases), used(expectedSpend), used(clv), used(pastValue), used(valueAtRisk));
  }

  get size(): number {
    return this.ids.length;
  }

  /** The i-th customer, as given. */
  at(i: number): RankedCustomer {
    const spend = this.expectedSpend[i]!;
    const clv = this.clv[i]!;
    return {
      customerId: this.ids[i]!,
      pAlive: this.pAlive[i]!,
      expectedPurchases: this.expectedPurchases[i]!,
      expectedSpend: Number.isNaN(spend) ? null : spend,
      clv: Number.isNaN(clv) ? null : clv,
      pastValue: this.pastValue[i]!,
      valueAtRisk: this.valueAtRisk[i]!,
    };
  }

  /**
   * The first `limit` customers by `key`, highest first, ties by customerId
   * (localeCompare); by CLV, the customers without one are left out. A value at
   * risk that is not a number (a P(alive) the fit could not give) ranks last.
   */
  top(key: RankingKey, limit: number): RankedCustomer[] {
    const values = key === 'clv' ? this.clv : this.valueAtRisk;
    const order: number[] = [];
    for (let i = 0; i < values.length; i++) if (key !== 'clv' || !Number.isNaN(values[i]!)) order.push(i);
    // NaN would make the comparison inconsistent, and the sort's order undefined for everyone.
    const rank = (i: number) => (Number.isNaN(values[i]!) ? Number.NEGATIVE_INFINITY : values[i]!);
    order.sort((a, b) => rank(b) - rank(a) || this.ids[a]!.localeCompare(this.ids[b]!));
    return order.slice(0, limit).map((i) => this.at(i));
  }
}

/** NaN stands for none in a column. */
function finiteOrNaN(value: number | null): number {
  return value !== null && Number.isFinite(value) ? value : Number.NaN;
}
