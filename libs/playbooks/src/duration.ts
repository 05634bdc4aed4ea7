// ISO 8601 durations as playbooks use them (waits, SLAs, goal windows): weeks,
// days, hours, minutes and seconds. Years and months are refused: their length
// depends on the calendar, and a wait must mean the same span every time.

const DURATION = /^P(?:(\d{1,6})W)?(?:(\d{1,6})D)?(?:T(?:(\d{1,6})H)?(?:(\d{1,6})M)?(?:(\d{1,6})S)?)?$/;
const UNIT_MS = [7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1_000] as const;

/** Milliseconds of `PnWnDTnHnMnS` (any part may be left out, at least one given), or undefined. */
export function durationMs(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const match = DURATION.exec(text);
  if (!match || text === 'P' || text.endsWith('T')) return undefined;
  const parts = match.slice(1);
  if (parts.every((part) => part === undefined)) return undefined;
  return parts.reduce((total, part, i) => total + (part === undefined ? 0 : Number(part) * UNIT_MS[i]!), 0);
}

export const DURATION_RULE = 'an ISO 8601 duration in weeks, days, hours, minutes or seconds (e.g. P90D, PT48H); years and months are not fixed spans';
