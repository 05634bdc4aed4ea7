import { orderedWindow, windowBounds } from './analytics-scope';

describe('analytics window', () => {
  it('keeps the ends that were given, either open', () => {
    expect(orderedWindow(undefined, undefined)).toEqual({});
    expect(orderedWindow('2025-01-01T00:00:00Z', undefined)).toEqual({ from: '2025-01-01T00:00:00Z' });
    expect(Object.keys(orderedWindow(undefined, '2025-01-01T00:00:00Z')!)).toEqual(['to']);
    expect(orderedWindow('2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')).toEqual({ from: '2025-01-01T00:00:00Z', to: '2025-01-01T00:00:00Z' });
  });

  it('has no window when from is after to, comparing instants rather than text', () => {
    expect(orderedWindow('2025-02-01T00:00:00Z', '2025-01-01T00:00:00Z')).toBeUndefined();
    // The same instant written in two offsets: not inverted, though the text sorts the other way.
    expect(orderedWindow('2025-01-01T01:00:00+01:00', '2025-01-01T00:00:00Z')).toBeDefined();
    expect(orderedWindow('2025-01-01T00:00:00.000000002Z', '2025-01-01T00:00:00.001Z')).toBeDefined();
  });

  it('drops ends that are undefined', () => {
    expect(Object.keys(windowBounds({ from: undefined, to: '2025-01-01T00:00:00Z' }))).toEqual(['to']);
  });
});
