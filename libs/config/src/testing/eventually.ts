/** Resolves once `condition` holds, polling every `everyMs`; rejects after `timeoutMs`. For tests of work that completes in the background. */
export async function eventually(condition: () => boolean, timeoutMs = 10_000, everyMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
