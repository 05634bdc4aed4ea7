import type { ComplaintsReport, FunnelResult, WinBackReport } from '@rapport/analytics';
import { presentComplaints, presentFunnel, presentWinBack } from './loop-report.presenter';

const asOf = '2026-03-01T00:00:00Z';

describe('loop report presenters', () => {
  it('head the funnel, complaints and win-back results with asOf and change nothing else', () => {
    const stages = { prospect: 1, qualified: 0, customer: 1, repeat: 2, churned: 0 };
    const funnel: FunnelResult = { customers: 4, byStage: stages, reached: stages, conversions: [] };
    expect(JSON.stringify(presentFunnel(asOf, funnel))).toBe(JSON.stringify({ asOf, ...funnel }));
    expect(Object.keys(presentFunnel(asOf, funnel))[0]).toBe('asOf');

    const complaints = { opened: 2, open: 1, resolved: 1, medianHoursToResolve: 12, byCategory: [], bySeverity: [] } as unknown as ComplaintsReport;
    expect(presentComplaints(asOf, complaints)).toEqual({ asOf, ...complaints });
    expect(Object.keys(presentComplaints(asOf, complaints))).toEqual(['asOf', ...Object.keys(complaints)]);

    const winBack = { churned: 1, wonBack: 1, rate: 1, byReason: [], byCampaign: [] } as unknown as WinBackReport;
    expect(Object.keys(presentWinBack(asOf, winBack))).toEqual(['asOf', ...Object.keys(winBack)]);
  });
});
