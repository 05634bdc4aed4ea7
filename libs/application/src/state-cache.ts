import type { CustomerState } from '@rapport/domain';

/** A small LRU of folded customer states (Map keeps insertion order). */
export class StateCache {
  private readonly states = new Map<string, CustomerState>();

  constructor(private readonly capacity: number) {}

  get(customerId: string): CustomerState | undefined {
    const state = this.states.get(customerId);
    if (state) {
      this.states.delete(customerId);
      this.states.set(customerId, state);
    }
    return state;
  }

  set(customerId: string, state: CustomerState): void {
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
}
