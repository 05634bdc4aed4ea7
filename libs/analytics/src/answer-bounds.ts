// Caps on the size of an answer. A gap-free series is as long as the span of
// its dates, not as the data: one purchase dated decades away would make an
// answer of megabytes. The size is counted arithmetically before anything is
// built, so a refused request costs nothing.

/** Periods per revenue answer: ten years by day (70 by week, 305 by month). */
export const MAX_REVENUE_PERIODS = 3_660;

/** Cells (cohort × month since) per cohort answer: 120 cohorts × 120 months. */
export const MAX_COHORT_CELLS = 14_400;

/** An answer over the cap; the caller can ask for a narrower from/to. */
export class AnswerTooLargeError extends RangeError {
  override readonly name = 'AnswerTooLargeError';
  constructor(
    readonly analysis: 'revenue' | 'cohorts',
    /** What the answer would hold: periods, or cells for cohorts. */
    readonly size: number,
    readonly max: number,
    /** How the answer spans, e.g. `revenue by day from 1900-01-01 to 2026-03-01 spans 46,081 days`. */
    span: string,
  ) {
    super(`${span}; at most ${grouped(max)} per answer`);
  }
}

/** `46,081`: digits grouped without depending on the runtime's locale data. */
export function grouped(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
