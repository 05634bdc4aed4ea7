/// <reference lib="dom" />
// Models: the BG/NBD and Gamma-Gamma fits (SPEC section 6) as of the date.
import { formatCount, formatDecimal } from '../core/format';
import { hasAnyRole } from '../app/session';
import type { ViewDefinition } from '../app/view';
import { figurePanel } from '../ui/figure-panel';
import { attempt, mount, viewHeading } from '../ui/view-parts';
import type { FitReport } from './api-types';

const MEANING: Readonly<Record<string, string>> = {
  r: 'shape of the purchase-rate gamma',
  alpha: 'scale of the purchase-rate gamma (weeks)',
  a: 'dropout beta, a',
  b: 'dropout beta, b',
  p: 'shape of the spend per transaction',
  q: 'shape of the mean-spend gamma',
  v: 'scale of the mean-spend gamma (minor units)',
};

export const modelsView: ViewDefinition = {
  id: 'models',
  title: 'Models',
  scoped: true,
  allowed: (session) => hasAnyRole(session, 'analyst'),
  async render({ api, scope, root, signal }) {
    root.append(viewHeading('Models', `Maximum-likelihood fits as of ${scope.asOfDate}`));
    const [bgnbd, gammaGamma] = await Promise.all([
      attempt(root, 'BG/NBD', () => api.get<FitReport>('/v1/analytics/models/bgnbd', { asOf: scope.asOf }, signal)),
      attempt(root, 'Gamma-Gamma', () => api.get<FitReport>('/v1/analytics/models/gamma-gamma', { asOf: scope.asOf, currency: scope.currency }, signal)),
    ]);
    if (signal.aborted) return;
    const fits = [
      { model: 'BG/NBD (who is likely to defect; weeks)', fit: bgnbd },
      { model: `Gamma-Gamma (spend per purchase-day, ${scope.currency})`, fit: gammaGamma },
    ].filter((f): f is { model: string; fit: FitReport } => f.fit !== undefined);
    for (const { model, fit } of fits) {
      const params = Object.entries(fit.params ?? {});
      mount(
        root,
        figurePanel({
          title: model,
          description: `${formatCount(fit.customers)} customers; ${fit.converged ? `converged after ${fit.iterations ?? '?'} iterations, log-likelihood ${formatDecimal(fit.logLikelihood, 2)}` : `not fitted: ${fit.reason ?? 'did not converge'}`}.`,
          chart: {
            label: `Fitted parameters of ${model}: ${params.map(([name, value]) => `${name} ${formatDecimal(value, 4)}`).join(', ')}`,
            height: 200,
            option: {
              grid: { left: 60, right: 20, top: 20, bottom: 30 },
              xAxis: { type: 'category', data: params.map(([name]) => name) },
              yAxis: { type: 'log' },
              series: [{ type: 'scatter', name: 'Parameter', symbolSize: 14, data: params.map(([, value]) => value) }],
            },
          },
          table: {
            caption: `Parameters of ${model}`,
            rows: params,
            empty: 'No parameters: the model could not be fitted on this data.',
            columns: [
              { header: 'Parameter', value: ([name]) => name },
              { header: 'Estimate', value: ([, value]) => value, render: ([, value]) => formatDecimal(value, 4), numeric: true },
              { header: 'Meaning', value: ([name]) => MEANING[name] ?? '' },
            ],
          },
          csv: `${model.split(' ')[0]!.toLowerCase().replace(/[^a-z]+/g, '-')}-fit-${scope.asOfDate}`,
        }),
      );
    }
  },
};
