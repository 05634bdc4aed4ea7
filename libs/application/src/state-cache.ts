import type { CustomerState } from '@rapport/domain';

/** A small LRU of folded states by customer (Map keeps insertion order). */
export class StateCache<S = CustomerState> {
  private readonly states = new Map<string, S>();

  constructor(private readonly capacity: number) {}

  get(customerId: string): S | undefined {
    const state = this.states.get(customerId);
    if (state) {
      this.states.delete(customerId);
      this.states.set(customerId, state);
    }
    return state;
  }

  set(customerId: string, state: S): void {
    if (this.capacity <= 0) return;
    this.states.delete(customerId);
    this.states.set(customerId, state);
    if (this.states.size > this.capacity) {
      const oldest = this.states.keys().next().value;
      if (oldest !== undefined) this.states.delete(oldest);
    }
  }

  delete(customerId: string): void {
    this.states.delete(customerId);
  }

  clear(): void {
    this.states.clear();
  }
}
