// The reports on the loop as both edges show them: the result of the pure
// analysis, headed by the instant it is as of. (The analyses' own results are
// @rapport/analytics' FunnelResult, ComplaintsReport and WinBackReport.)
import type { ComplaintsReport, FunnelResult, WinBackReport } from '@rapport/analytics';

export type FunnelReport = { readonly asOf: string } & FunnelResult;
export type PresentedComplaints = { readonly asOf: string } & ComplaintsReport;
export type PresentedWinBack = { readonly asOf: string } & WinBackReport;

export function presentFunnel(asOf: string, result: FunnelResult): FunnelReport {
  return { asOf, ...result };
}

export function presentComplaints(asOf: string, result: ComplaintsReport): PresentedComplaints {
  return { asOf, ...result };
}

export function presentWinBack(asOf: string, result: WinBackReport): PresentedWinBack {
  return { asOf, ...result };
}
