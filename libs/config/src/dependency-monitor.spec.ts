import { DependencyMonitor } from './dependency-monitor';

function recorder() {
  const lines: string[] = [];
  return { lines, logger: { info: (m: string) => lines.push(`info ${m}`), warn: (m: string) => lines.push(`warn ${m}`) } };
}

describe('DependencyMonitor', () => {
  it('logs one line when the dependency goes away and one when it returns, however many probes fail', async () => {
    let answering = true;
    const { lines, logger } = recorder();
    const monitor = new DependencyMonitor({ name: 'Kafka', probe: async () => (answering ? undefined : Promise.reject(new Error('connection refused'))), logger });
    expect(monitor.state).toBe('unknown');
    expect(await monitor.check()).toBe('up');
    answering = false;
    for (let i = 0; i < 5; i++) expect(await monitor.check()).toBe('down');
    expect(monitor.lastError).toBe('connection refused');
    answering = true;
    expect(await monitor.check()).toBe('up');
    expect(await monitor.check()).toBe('up');
    expect(lines).toEqual(['warn Kafka unreachable: connection refused', expect.stringMatching(/^info Kafka reachable again after [\d.]+ s$/)]);
    expect(monitor.lastSuccessAt).toBeLessThanOrEqual(Date.now());
  });

  it('counts a probe that does not answer within its limit as down, and says so at the first probe', async () => {
    const { lines, logger } = recorder();
    const monitor = new DependencyMonitor({ name: 'MongoDB', probe: () => new Promise(() => undefined), timeoutMs: 20, logger });
    const started = Date.now();
    expect(await monitor.check()).toBe('down');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(lines).toEqual(['warn MongoDB unreachable since start: MongoDB did not answer within 20 ms']);
  });

  it('probes in the background until stopped, one probe at a time', async () => {
    let calls = 0;
    let inFlight = 0;
    let most = 0;
    const monitor = new DependencyMonitor({
      name: 'Kafka',
      intervalMs: 5,
      probe: async () => {
        calls++;
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 10));
        inFlight--;
      },
    }).start();
    await new Promise((r) => setTimeout(r, 200));
    await monitor.stop();
    const after = calls;
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toBe(after);
    expect(calls).toBeGreaterThan(3);
    expect(most).toBe(1);
    expect(monitor.state).toBe('up');
  });
});
