// Every customer's purchase-day summaries as of one instant, packed in
// columns: what the analytics' cache holds between two changes to the
// purchases, for each asOf asked about. As objects (one PurchaseDaySummary a
// customer: 104 bytes, and a boxed number for a fractional mean) two
// instants' worth held 20 MiB at 100,000 customers; packed, a customer is 32
// bytes and a reference to its id. Objects are made only for the customers a
// caller reads one at a time.
import type { PurchaseDaySummary, RepeatSummary } from './purchase-days';
import { DAYS_PER_WEEK, isoDate } from './time';

/** One customer's numbers, as DaySummaries.builder() takes them. */
export interface DaySummaryNumbers {
  /** d_0 and d_x, UTC day numbers. */
  readonly firstDay: number;
  readonly lastDay: number;
  /** x: repeat purchase-days. */
  readonly frequency: number;
  readonly monetary: number;
  readonly totalAmount: number;
  readonly orders: number;
}

export class DaySummaries {
  private constructor(
    /** day(asOf): every age and recency is counted to it. */
    readonly asOfDay: number,
    private readonly ids: readonly string[],
    private readonly firstDays: Int32Array,
    private readonly lastDays: Int32Array,
    private readonly frequencies: Int32Array,
    private readonly orderCounts: Int32Array,
    private readonly monetaries: Float64Array,
    private readonly totals: Float64Array,
  ) {}

  /** Fills columns for at most `capacity` customers, as of `asOfDay`; builds once. */
  static builder(asOfDay: number, capacity: number): DaySummariesBuilder {
    const ids: string[] = [];
    const c: Columns = {
      firstDays: new Int32Array(capacity),
      lastDays: new Int32Array(capacity),
      frequencies: new Int32Array(capacity),
      orderCounts: new Int32Array(capacity),
      monetaries: new Float64Array(capacity),
      totals: new Float64Array(capacity),
    };
    let built = false;
    const open = () => {
      if (built) throw new Error('these summaries are built: a builder builds once');
    };
    return {
      add(customerId, numbers) {
        open();
        const i = ids.length;
        if (i === capacity) throw new RangeError(`more than the ${capacity} customers announced`);
        ids.push(customerId);
        c.firstDays[i] = numbers.firstDay;
        c.lastDays[i] = numbers.lastDay;
        c.frequencies[i] = numbers.frequency;
        c.orderCounts[i] = numbers.orders;
        c.monetaries[i] = numbers.monetary;
        c.totals[i] = numbers.totalAmount;
        return this;
      },
      build() {
        open();
        built = true;
        const used = <T extends Int32Array | Float64Array>(column: T): T => (ids.length === capacity ? column : (column.slice(0, ids.length) as T));
        return new DaySummaries(asOfDay, ids, used(c.firstDays), used(c.lastDays), used(c.frequencies), used(c.orderCounts), used(c.monetaries), used(c.totals));
      },
    };
  }

  get length(): number {
    return this.ids.length;
  }

  customerId(i: number): string {
    return this.ids[i]!;
  }

  /** x: repeat purchase-days. */
  frequency(i: number): number {
    return this.frequencies[i]!;
  }

  /** t_x, whole days. */
  recencyDays(i: number): number {
    return this.lastDays[i]! - this.firstDays[i]!;
  }

  /** T, whole days. */
  ageDays(i: number): number {
    return this.asOfDay - this.firstDays[i]!;
  }

  daysSinceLast(i: number): number {
    return this.asOfDay - this.lastDays[i]!;
  }

  monetary(i: number): number {
    return this.monetaries[i]!;
  }

  totalAmount(i: number): number {
    return this.totals[i]!;
  }

  /** The i-th summary as an object, as summarizePurchaseDays makes it. */
  at(i: number): PurchaseDaySummary {
    return {
      customerId: this.ids[i]!,
      frequency: this.frequencies[i]!,
      recencyDays: this.recencyDays(i),
      ageDays: this.ageDays(i),
      daysSinceLast: this.daysSinceLast(i),
      monetary: this.monetaries[i]!,
      totalAmount: this.totals[i]!,
      orders: this.orderCounts[i]!,
      firstDay: isoDate(this.firstDays[i]!),
      lastDay: isoDate(this.lastDays[i]!),
    };
  }

  /** What BG/NBD and Gamma-Gamma take, as toRepeatSummary makes it from at(i). */
  repeatSummary(i: number): RepeatSummary {
    return { customerId: this.ids[i]!, x: this.frequencies[i]!, tx: this.recencyDays(i) / DAYS_PER_WEEK, T: this.ageDays(i) / DAYS_PER_WEEK, monetary: this.monetaries[i]! };
  }

  /** Every summary as an object, in order. */
  toArray(): PurchaseDaySummary[] {
    return Array.from({ length: this.ids.length }, (_, i) => this.at(i));
  }

  /** Customer index by id, for callers that look many up. */
  indexById(): Map<string, number> {
    return new Map(this.ids.map((id, i) => [id, i]));
  }
}

interface Columns {
  readonly firstDays: Int32Array;
  readonly lastDays: Int32Array;
  readonly frequencies: Int32Array;
  readonly orderCounts: Int32Array;
  readonly monetaries: Float64Array;
  readonly totals: Float64Array;
}

/** What DaySummaries.builder() gives: customers added one at a time, then built once. */
export interface DaySummariesBuilder {
  add(customerId: string, numbers: DaySummaryNumbers): DaySummariesBuilder;
  build(): DaySummaries;
}
