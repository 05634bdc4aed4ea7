import { winBackReport, type CustomerChurnHistory } from './win-back';

const at = (date: string) => `2024-${date}T00:00:00Z`;
const histories: CustomerChurnHistory[] = [
  { customerId: 'c1', churns: [{ occurredAt: at('01-10'), reason: 'voluntary' }], winBacks: [{ occurredAt: at('01-20'), via: 'offer', campaignId: 'W1' }] },
  {
    customerId: 'c2',
    churns: [
      { occurredAt: at('02-01'), reason: 'competitor' },
      { occurredAt: at('04-01'), reason: 'competitor' },
    ],
    winBacks: [
      { occurredAt: at('02-05'), via: 'purchase' },
      { occurredAt: at('04-21'), via: 'reactivation', campaignId: 'W1' },
    ],
  },
  { customerId: 'c3', churns: [{ occurredAt: at('03-01'), reason: 'inactivity' }], winBacks: [] },
  // Won back after asOf: still churned as of asOf.
  { customerId: 'c4', churns: [{ occurredAt: at('05-01'), reason: 'voluntary' }], winBacks: [{ occurredAt: at('07-10'), via: 'offer', campaignId: 'W2' }] },
  // Late event: the win-back is dated before the churn it ends (recorded after it): 0 days.
  { customerId: 'c5', churns: [{ occurredAt: at('03-15'), reason: 'other' }], winBacks: [{ occurredAt: at('03-10'), via: 'offer', campaignId: 'W2' }] },
  // Churned after asOf.
  { customerId: 'c6', churns: [{ occurredAt: at('08-01'), reason: 'voluntary' }], winBacks: [] },
  { customerId: 'c7', churns: [], winBacks: [] },
];

describe('win-back', () => {
  it('counts churn episodes, win-backs, the rate and median days, by reason, campaign and way back', () => {
    expect(winBackReport(histories, '2024-06-30T23:59:59Z')).toEqual({
      churned: 6,
      wonBack: 4,
      rate: 4 / 6,
      medianDaysToWinBack: 7, // of 10, 4, 20, 0
      customersChurned: 5,
      stillChurned: 2,
      byReason: [
        { reason: 'voluntary', churned: 2, wonBack: 1, rate: 0.5, medianDaysToWinBack: 10 },
        { reason: 'involuntary', churned: 0, wonBack: 0, rate: 0, medianDaysToWinBack: undefined },
        { reason: 'inactivity', churned: 1, wonBack: 0, rate: 0, medianDaysToWinBack: undefined },
        { reason: 'competitor', churned: 2, wonBack: 2, rate: 1, medianDaysToWinBack: 12 },
        { reason: 'other', churned: 1, wonBack: 1, rate: 1, medianDaysToWinBack: 0 },
      ],
      byCampaign: [
        { campaignId: null, churned: 6, wonBack: 1, rate: 1 / 6, medianDaysToWinBack: 4 },
        { campaignId: 'W1', churned: 6, wonBack: 2, rate: 2 / 6, medianDaysToWinBack: 15 },
        { campaignId: 'W2', churned: 6, wonBack: 1, rate: 1 / 6, medianDaysToWinBack: 0 },
      ],
      byVia: [
        { via: 'offer', churned: 6, wonBack: 2, rate: 2 / 6, medianDaysToWinBack: 5 },
        { via: 'purchase', churned: 6, wonBack: 1, rate: 1 / 6, medianDaysToWinBack: 4 },
        { via: 'reactivation', churned: 6, wonBack: 1, rate: 1 / 6, medianDaysToWinBack: 20 },
      ],
    });
  });

  it('an asOf in the past sees churns not yet won back', () => {
    const report = winBackReport(histories, '2024-02-03T00:00:00Z');
    expect(report).toMatchObject({ churned: 2, wonBack: 1, rate: 0.5, medianDaysToWinBack: 10, customersChurned: 2, stillChurned: 1 });
    expect(report.byCampaign).toEqual([{ campaignId: 'W1', churned: 2, wonBack: 1, rate: 0.5, medianDaysToWinBack: 10 }]);
  });

  it('nobody churned: zero rate, no median', () => {
    expect(winBackReport([], '2024-01-01T00:00:00Z')).toMatchObject({ churned: 0, wonBack: 0, rate: 0, medianDaysToWinBack: undefined });
  });
});
