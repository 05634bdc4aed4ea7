// The few calls the benchmarks make to a running Rapport API besides the load itself.
import { loadEvent, singleBody } from './event-load';

export interface Appended {
  readonly revision: number;
  readonly consistencyToken: string;
}

export async function appendOne(url: string, prefix: string, customer: number, revision: number): Promise<Appended> {
  const event = loadEvent(prefix, customer, revision);
  const response = await fetch(`${url}/v1/customers/${event.customerId}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: singleBody(event),
  });
  if (response.status !== 201) throw new Error(`append answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as Appended;
}

/** Reads the customer with `?consistentWith=` until the read model shows `revision`; returns when it does. */
export async function readVisible(url: string, customerId: string, appended: Appended, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${url}/v1/customers/${customerId}?consistentWith=${encodeURIComponent(appended.consistencyToken)}`);
    if (response.ok) {
      const view = (await response.json()) as { revision: number };
      if (view.revision >= appended.revision) return;
    } else if (response.status !== 503) {
      throw new Error(`read answered ${response.status}: ${await response.text()}`);
    }
    // 503: the read models are still catching up (e.g. after a large ingestion).
    if (Date.now() > deadline) throw new Error(`customer ${customerId} not visible within ${timeoutMs} ms`);
  }
}

/** Waits until the projections have caught up with everything written so far. */
export async function settle(url: string): Promise<void> {
  const prefix = `settle${Date.now()}`;
  const appended = await appendOne(url, prefix, 0, 0);
  await readVisible(url, `${prefix}-0`, appended);
}
