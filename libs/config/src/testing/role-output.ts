// Test support for the fault suites: reading what a role process printed and
// what its /metrics answered.

/** The value of a sample (`name{labels} value`) in Prometheus text, or undefined when there is none. */
export function metricSample(text: string, series: string): number | undefined {
  const escaped = series.replace(/[{}"=]/g, (c) => `\\${c}`);
  const match = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
}

/** Where a role's /metrics listens, from the `"metrics":"<url>"` field of its start-up log line. */
export const metricsUrlIn = (output: string): string | undefined => /"metrics":"([^"]+)"/.exec(output)?.[1];

/** How many lines of `output` match `pattern`. */
export const linesMatching = (output: string, pattern: RegExp): number => output.split('\n').filter((line) => pattern.test(line)).length;
