import { classifyProjection, type ProjectionObservation } from './projection-health';

const now = new Date('2026-06-01T12:00:00Z');
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);
const thresholds = { maxLagEvents: 1000, maxLagSeconds: 30 };

function observe(overrides: Partial<ProjectionObservation> = {}): ProjectionObservation {
  return { running: true, position: 100, head: 100, oldestPendingAt: undefined, lastAdvancedAt: ago(3600), lastError: undefined, now, ...overrides };
}

describe('classifyProjection', () => {
  it('is up when caught up, however long ago it last had work', () => {
    expect(classifyProjection(observe(), thresholds)).toMatchObject({ status: 'up', lagEvents: 0, lagSeconds: 0, lastError: null });
  });

  it('is up when a little behind on fresh events, even after a long idle spell', () => {
    const health = classifyProjection(observe({ head: 150, oldestPendingAt: ago(0.2) }), thresholds);
    expect(health).toMatchObject({ status: 'up', position: 100, head: 150, lagEvents: 50, lagSeconds: 0.2 });
  });

  it('is lagging when it advances but trails the head by more events than the threshold', () => {
    const health = classifyProjection(observe({ head: 1101, oldestPendingAt: ago(2), lastAdvancedAt: ago(0.1) }), thresholds);
    expect(health).toMatchObject({ status: 'lagging', lagEvents: 1001 });
    expect(classifyProjection(observe({ head: 1100, oldestPendingAt: ago(2), lastAdvancedAt: ago(0.1) }), thresholds).status).toBe('up');
  });

  it('is lagging when it advances but the oldest event it has yet to project is older than the threshold', () => {
    const health = classifyProjection(observe({ head: 110, oldestPendingAt: ago(45), lastAdvancedAt: ago(1) }), thresholds);
    expect(health).toMatchObject({ status: 'lagging', lagEvents: 10, lagSeconds: 45 });
  });

  it('is stalled when it is behind and its last attempt failed, and says why', () => {
    const lastError = { message: 'database or disk is full', at: ago(1), failures: 4 };
    const health = classifyProjection(observe({ head: 101, oldestPendingAt: ago(2), lastAdvancedAt: ago(3), lastError }), thresholds);
    expect(health).toEqual({
      status: 'stalled',
      position: 100,
      head: 101,
      lagEvents: 1,
      lagSeconds: 2,
      lastAdvancedAt: ago(3).toISOString(),
      lastError: { message: 'database or disk is full', at: ago(1).toISOString(), failures: 4 },
    });
  });

  it('is stalled when it is behind and has committed nothing for longer than the threshold', () => {
    expect(classifyProjection(observe({ head: 101, oldestPendingAt: ago(31), lastAdvancedAt: ago(31) }), thresholds).status).toBe('stalled');
    // Committing recently while the oldest pending event is old is lagging, not stalled.
    expect(classifyProjection(observe({ head: 101, oldestPendingAt: ago(31), lastAdvancedAt: ago(29) }), thresholds).status).toBe('lagging');
  });

  it('reports a past failure without counting it once the projection has caught up', () => {
    const lastError = { message: 'SQLITE_BUSY', at: ago(1), failures: 1 };
    expect(classifyProjection(observe({ lastError }), thresholds)).toMatchObject({ status: 'up', lastError: { message: 'SQLITE_BUSY' } });
  });

  it('is down when the runner is not running', () => {
    expect(classifyProjection(observe({ running: false }), thresholds).status).toBe('down');
  });
});
