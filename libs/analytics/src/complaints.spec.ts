import { complaintsReport, type CustomerComplaints } from './complaints';

const customers: CustomerComplaints[] = [
  {
    customerId: 'c1',
    complaints: [
      { complaintId: 'k1', category: 'billing', severity: 'high', openedAt: '2024-05-01T00:00:00Z', resolvedAt: '2024-05-01T06:00:00Z' },
      { complaintId: 'k2', category: 'billing', severity: 'low', openedAt: '2024-05-02T00:00:00Z', resolvedAt: '2024-05-04T00:00:00Z' },
      { complaintId: 'k3', category: 'delivery', severity: 'critical', openedAt: '2024-05-10T00:00:00Z' },
    ],
  },
  {
    customerId: 'c2',
    complaints: [
      // Resolved after asOf: still open as of asOf.
      { complaintId: 'k4', category: 'delivery', severity: 'high', openedAt: '2024-05-20T00:00:00Z', resolvedAt: '2024-06-02T00:00:00Z' },
      // Late event: the resolution is dated before the complaint; it counts as 0 hours.
      { complaintId: 'k5', category: 'billing', severity: 'medium', openedAt: '2024-05-05T10:00:00Z', resolvedAt: '2024-05-05T08:00:00Z' },
      // Opened after asOf.
      { complaintId: 'k6', category: 'quality', severity: 'low', openedAt: '2024-06-05T00:00:00Z' },
    ],
  },
];

describe('complaints', () => {
  it('counts opened, open and resolved complaints and the median hours to resolve, by category and severity', () => {
    expect(complaintsReport(customers, '2024-05-31T23:59:59Z')).toEqual({
      opened: 5,
      open: 2,
      resolved: 3,
      medianHoursToResolve: 6, // of 6, 48 and 0
      byCategory: [
        { category: 'billing', opened: 3, open: 0, resolved: 3, medianHoursToResolve: 6 },
        { category: 'delivery', opened: 2, open: 2, resolved: 0, medianHoursToResolve: undefined },
      ],
      bySeverity: [
        { severity: 'low', opened: 1, open: 0, resolved: 1, medianHoursToResolve: 48 },
        { severity: 'medium', opened: 1, open: 0, resolved: 1, medianHoursToResolve: 0 },
        { severity: 'high', opened: 2, open: 1, resolved: 1, medianHoursToResolve: 6 },
        { severity: 'critical', opened: 1, open: 1, resolved: 0, medianHoursToResolve: undefined },
      ],
    });
  });

  it('an asOf in the past: a complaint resolved later is still open then', () => {
    const report = complaintsReport(customers, '2024-05-03T00:00:00Z');
    expect(report).toMatchObject({ opened: 2, open: 1, resolved: 1, medianHoursToResolve: 6 });
    expect(report.byCategory).toEqual([{ category: 'billing', opened: 2, open: 1, resolved: 1, medianHoursToResolve: 6 }]);
  });

  it('with an SLA, counts the complaints that outlived it as of asOf: open past it, or resolved after it', () => {
    // As of 2024-05-31T23:59:59Z under 24 hours: k2 resolved after 48 h; k3 and k4 open for days; k1 (6 h) and k5 (0 h) in time.
    const report = complaintsReport(customers, '2024-05-31T23:59:59Z', 24);
    expect(report.pastSla).toEqual({ open: 2, resolved: 1 });
    expect(report.byCategory.map((c) => [c.category, c.pastSla])).toEqual([
      ['billing', { open: 0, resolved: 1 }],
      ['delivery', { open: 2, resolved: 0 }],
    ]);
    expect(report.bySeverity.find((s) => s.severity === 'critical')?.pastSla).toEqual({ open: 1, resolved: 0 });
    // As of a day when k2 (opened 2024-05-02) had been open 36 hours, unresolved: past a 24-hour SLA, within a 48-hour one.
    expect(complaintsReport(customers, '2024-05-03T12:00:00Z', 24).pastSla).toEqual({ open: 1, resolved: 0 });
    expect(complaintsReport(customers, '2024-05-03T12:00:00Z', 48).pastSla).toEqual({ open: 0, resolved: 0 });
    // Without an SLA the report has no such field; a non-positive one is refused.
    expect(complaintsReport(customers, '2024-05-31T23:59:59Z')).not.toHaveProperty('pastSla');
    expect(() => complaintsReport(customers, '2024-05-31T23:59:59Z', 0)).toThrow(RangeError);
  });

  it('the median of an even count is the mean of the middle two', () => {
    const report = complaintsReport(customers, '2024-05-04T00:00:00Z');
    expect(report).toMatchObject({ resolved: 2, medianHoursToResolve: (6 + 48) / 2 });
  });
});
