import type { Cohort, RevenuePeriod } from '@rapport/analytics';
import { presentCohorts, presentRevenue } from './period-report.presenter';

const scope = { asOf: '2026-03-01T00:00:00Z', currency: 'EUR' };
const periods: RevenuePeriod[] = [{ period: '2026-01', start: '2026-01-01', revenue: 4000, orders: 4, customers: 3 }];
const cohorts: Cohort[] = [{ cohort: '2026-01', customers: 3, months: [{ offset: 0, month: '2026-01', active: 3, share: 1, complete: true }] }];

describe('period report presenters', () => {
  it('render revenue with its interval and the window as asked, an open end absent', () => {
    expect(JSON.stringify(presentRevenue(scope, 'month', { from: '2026-01-01T00:00:00Z' }, periods))).toBe(
      '{"asOf":"2026-03-01T00:00:00Z","currency":"EUR","interval":"month","from":"2026-01-01T00:00:00Z",' +
        '"periods":[{"period":"2026-01","start":"2026-01-01","revenue":4000,"orders":4,"customers":3}]}',
    );
    const open = presentRevenue(scope, 'day', { from: undefined, to: undefined }, []);
    expect(Object.keys(open)).toEqual(['asOf', 'currency', 'interval', 'periods']);
  });

  it('render cohorts by month, the window before the interval', () => {
    const report = presentCohorts(scope, { from: '2026-01-01T00:00:00Z', to: '2026-02-28T00:00:00Z' }, cohorts);
    expect(Object.keys(report)).toEqual(['asOf', 'currency', 'from', 'to', 'interval', 'cohorts']);
    expect(report).toMatchObject({ interval: 'month', cohorts });
    expect(Object.keys(presentCohorts(scope, { to: '2026-02-28T00:00:00Z' }, []))).toEqual(['asOf', 'currency', 'to', 'interval', 'cohorts']);
  });
});
