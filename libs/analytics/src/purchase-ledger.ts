// Every customer's purchases, packed: what the models and the reports over
// purchases read, held between two changes to the purchases. Held as the
// objects parsed from the facts documents, 100,000 customers' purchases cost
// the process hundreds of MiB (every string, every object header); packed,
// a purchase is 18 bytes in three typed arrays and a customer one id and one
// offset. Answers are exactly those of summarizePurchaseDays over the same
// purchases, for any asOf and currency (purchase-ledger.spec.ts), amounts
// being integers (minor units, as the edge requires): sums are then exact
// in any order.
import { DaySummaries } from './day-summaries';
import type { CustomerPurchases, PurchaseInput } from './purchase-days';
import { dayNumber, instant } from './time';

/** A purchase as the facts read model records it. */
export interface LedgerPurchase extends PurchaseInput {
  readonly currency: string;
}

/** The ledger's arrays, as PurchaseLedgerBuilder fills them. */
export interface PackedPurchases {
  /** Customers with at least one purchase, in the order added. */
  readonly ids: readonly string[];
  /** Customer i's purchases are [starts[i], starts[i + 1]), ascending by instant. */
  readonly starts: Uint32Array;
  /** ms since the epoch. */
  readonly instants: Float64Array;
  /** Minor units. */
  readonly amounts: Float64Array;
  /** Index into currencyNames. */
  readonly currencyOf: Uint16Array;
  readonly currencyNames: readonly string[];
}

export class PurchaseLedger {
  private readonly ids: readonly string[];
  private readonly starts: Uint32Array;
  private readonly instants: Float64Array;
  private readonly amounts: Float64Array;
  private readonly currencyOf: Uint16Array;
  private readonly currencyNames: readonly string[];

  constructor(packed: PackedPurchases) {
    ({ ids: this.ids, starts: this.starts, instants: this.instants, amounts: this.amounts, currencyOf: this.currencyOf, currencyNames: this.currencyNames } = packed);
  }

  static builder(): PurchaseLedgerBuilder {
    return new PurchaseLedgerBuilder();
  }

  /** Customers with at least one purchase (at any time). */
  get customers(): number {
    return this.ids.length;
  }

  get purchases(): number {
    return this.instants.length;
  }

  /** True when every purchase is in `currency` (vacuously, when there is none). */
  onlyIn(currency: string): boolean {
    return this.currencyNames.length === 0 || (this.currencyNames.length === 1 && this.currencyNames[0] === currency);
  }

  /**
   * summarizePurchaseDays over every customer's purchases (in `currency`, when given) as of asOf,
   * in the order added, packed (`toArray()` gives the objects).
   */
  summarize(asOf: string, currency?: string): DaySummaries {
    const cutoff = instant(asOf, 'asOf');
    const wanted = this.currencyIndex(currency);
    const out = DaySummaries.builder(dayNumber(cutoff), wanted === -1 ? 0 : this.ids.length);
    if (wanted === -1) return out.build();
    for (let c = 0; c < this.ids.length; c++) {
      let firstDay = 0;
      let firstAmount = 0;
      let lastDay = 0;
      let days = 0;
      let total = 0;
      let orders = 0;
      for (let i = this.starts[c]!; i < this.starts[c + 1]!; i++) {
        if (wanted !== undefined && this.currencyOf[i] !== wanted) continue;
        const at = this.instants[i]!;
        // Ascending: nothing after the cutoff counts, nor anything later.
        if (at > cutoff) break;
        const day = dayNumber(at);
        const amount = this.amounts[i]!;
        if (days === 0) {
          firstDay = day;
          lastDay = day;
          days = 1;
        } else if (day !== lastDay) {
          lastDay = day;
          days += 1;
        }
        if (day === firstDay) firstAmount += amount;
        total += amount;
        orders += 1;
      }
      if (days === 0) continue;
      const x = days - 1;
      out.add(this.ids[c]!, { firstDay, lastDay, frequency: x, monetary: x === 0 ? 0 : (total - firstAmount) / x, totalAmount: total, orders });
    }
    return out.build();
  }

  /**
   * Every customer's purchases (in `currency`, when given) as objects, for
   * the analyses that take them; made on each call and not held. Each
   * `occurredAt` is the recorded instant in UTC, to the millisecond.
   */
  customerPurchases(currency?: string): CustomerPurchases<LedgerPurchase>[] {
    const wanted = this.currencyIndex(currency);
    const out: CustomerPurchases<LedgerPurchase>[] = [];
    if (wanted === -1) return out;
    for (let c = 0; c < this.ids.length; c++) {
      const purchases: LedgerPurchase[] = [];
      for (let i = this.starts[c]!; i < this.starts[c + 1]!; i++) {
        if (wanted !== undefined && this.currencyOf[i] !== wanted) continue;
        purchases.push({ occurredAt: new Date(this.instants[i]!).toISOString(), amount: this.amounts[i]!, currency: this.currencyNames[this.currencyOf[i]!]! });
      }
      if (purchases.length > 0) out.push({ customerId: this.ids[c]!, purchases });
    }
    return out;
  }

  /** undefined: every currency; -1: a currency no purchase is in. */
  private currencyIndex(currency: string | undefined): number | undefined {
    return currency === undefined ? undefined : this.currencyNames.indexOf(currency);
  }
}

/** Adds customers one at a time (a scan), growing its arrays as it goes, so no customer's objects outlive its turn. */
export class PurchaseLedgerBuilder {
  private readonly ids: string[] = [];
  private starts = new Uint32Array(1024);
  private instants = new Float64Array(1024);
  private amounts = new Float64Array(1024);
  private currencyOf = new Uint16Array(1024);
  private readonly currencyNames: string[] = [];
  private readonly currencyIndex = new Map<string, number>();
  private size = 0;

  /** One customer's purchases, in any order; a customer without any is left out. Throws RangeError on a bad instant or amount. */
  add(customerId: string, purchases: readonly LedgerPurchase[]): this {
    if (purchases.length === 0) return this;
    const timed = purchases.map((p) => {
      if (!Number.isFinite(p.amount) || p.amount < 0) throw new RangeError(`amount must be a non-negative number, got ${p.amount}`);
      return { at: instant(p.occurredAt, 'occurredAt'), amount: p.amount, currency: this.currency(p.currency) };
    });
    // Stable, so purchases of one instant keep the order they were recorded in.
    timed.sort((a, b) => a.at - b.at);
    this.reserve(this.size + timed.length);
    if (this.ids.length + 2 > this.starts.length) this.starts = grown(this.starts, this.starts.length * 2);
    this.starts[this.ids.length] = this.size;
    for (const t of timed) {
      this.instants[this.size] = t.at;
      this.amounts[this.size] = t.amount;
      this.currencyOf[this.size] = t.currency;
      this.size += 1;
    }
    this.ids.push(customerId);
    return this;
  }

  build(): PurchaseLedger {
    const starts = this.starts.slice(0, this.ids.length + 1);
    starts[this.ids.length] = this.size;
    return new PurchaseLedger({
      ids: [...this.ids],
      starts,
      instants: this.instants.slice(0, this.size),
      amounts: this.amounts.slice(0, this.size),
      currencyOf: this.currencyOf.slice(0, this.size),
      currencyNames: [...this.currencyNames],
    });
  }

  private currency(name: string): number {
    let index = this.currencyIndex.get(name);
    if (index === undefined) {
      // ISO 4217 has under 200 codes; a 16-bit index leaves room for any the edge lets in.
      if (this.currencyNames.length === 0xffff) throw new RangeError('more than 65,535 currencies');
      index = this.currencyNames.length;
      this.currencyNames.push(name);
      this.currencyIndex.set(name, index);
    }
    return index;
  }

  private reserve(purchases: number): void {
    if (purchases <= this.instants.length) return;
    const capacity = Math.max(purchases, this.instants.length * 2);
    this.instants = grown(this.instants, capacity);
    this.amounts = grown(this.amounts, capacity);
    this.currencyOf = grown(this.currencyOf, capacity);
  }
}

function grown<T extends Float64Array | Uint32Array | Uint16Array>(array: T, capacity: number): T {
  const next = new (array.constructor as new (length: number) => T)(capacity);
  next.set(array);
  return next;
}
