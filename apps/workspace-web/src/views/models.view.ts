/// <reference lib="dom" />
// Models: the purchase models (BG/NBD, Pareto/NBD, MBG/NBD) and Gamma-Gamma
// fitted as of the date, and their holdout validation (SPEC section 6): the
// ranking by MAPE, one model's actual against predicted repeat purchase-days
// per calibration frequency, and its weekly cumulative tracking.
import { el, uid } from '../core/dom';
import { formatCount, formatDecimal } from '../core/format';
import { hasAnyRole } from '../app/session';
import { isDay } from '../app/scope';
import type { ViewContext, ViewDefinition } from '../app/view';
import { figurePanel } from '../ui/figure-panel';
import { attempt, mount, viewHeading } from '../ui/view-parts';
import { PURCHASE_MODELS, type FitReport, type HoldoutValidationReport, type ModelComparison, type PurchaseModelName } from './api-types';

const MEANING: Readonly<Record<string, string>> = {
  r: 'shape of the purchase-rate gamma',
  alpha: 'scale of the purchase-rate gamma (weeks)',
  a: 'dropout beta, a',
  b: 'dropout beta, b',
  s: 'shape of the dropout-rate gamma',
  beta: 'scale of the dropout-rate gamma (weeks)',
  p: 'shape of the spend per transaction',
  q: 'shape of the mean-spend gamma',
  v: 'scale of the mean-spend gamma (minor units)',
};

const SYMBOL: Readonly<Record<string, string>> = { alpha: 'α', beta: 'β' };

export const MODEL_NAMES: Readonly<Record<PurchaseModelName, string>> = { bgnbd: 'BG/NBD', 'pareto-nbd': 'Pareto/NBD', 'mbg-nbd': 'MBG/NBD' };

const DESCRIPTION: Readonly<Record<PurchaseModelName, string>> = {
  bgnbd: 'BG/NBD (who is likely to defect; weeks)',
  'pareto-nbd': 'Pareto/NBD (dropout at any time; weeks)',
  'mbg-nbd': 'MBG/NBD (dropout possible before the first repeat; weeks)',
};

/** The holdout the standard CDNOW split uses: 39 weeks after the calibration end. */
const DEFAULT_HOLDOUT_DAYS = 273;
/** The API's limit (MAX_HOLDOUT_DAYS). */
const MAX_HOLDOUT_DAYS = 3653;
const DAY_MS = 86_400_000;

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

function isModel(value: string | null): value is PurchaseModelName {
  return value !== null && (PURCHASE_MODELS as readonly string[]).includes(value);
}

function paramsText(params: Readonly<Record<string, number>>): string {
  return Object.entries(params)
    .map(([name, value]) => `${SYMBOL[name] ?? name} ${value.toFixed(4)}`)
    .join(', ');
}

export const modelsView: ViewDefinition = {
  id: 'models',
  title: 'Models',
  scoped: true,
  allowed: (session) => hasAnyRole(session, 'analyst'),
  async render(context) {
    const { api, scope, root, signal, query } = context;
    root.append(viewHeading('Models', `Maximum-likelihood fits as of ${scope.asOfDate}, and their holdout validation`));

    const askedEnd = query.get('holdoutEnd') ?? '';
    const holdoutEnd = isDay(askedEnd) ? askedEnd : addDays(scope.asOfDate, DEFAULT_HOLDOUT_DAYS);
    const model: PurchaseModelName = isModel(query.get('model')) ? (query.get('model') as PurchaseModelName) : 'bgnbd';
    const span = daysBetween(scope.asOfDate, holdoutEnd);
    const spanProblem = span < 1 ? 'The holdout must end on a later day than the as-of date.' : span > MAX_HOLDOUT_DAYS ? `The holdout may last at most ${formatCount(MAX_HOLDOUT_DAYS)} days.` : undefined;
    const split = { calibrationEnd: scope.asOf, holdoutEnd: `${holdoutEnd}T23:59:59Z` };

    const fitsPromise = Promise.all([
      ...PURCHASE_MODELS.map((m) => attempt(root, MODEL_NAMES[m], () => api.get<FitReport>(`/v1/analytics/models/${m}`, { asOf: scope.asOf }, signal))),
      attempt(root, 'Gamma-Gamma', () => api.get<FitReport>('/v1/analytics/models/gamma-gamma', { asOf: scope.asOf, currency: scope.currency }, signal)),
    ]);
    const validationPromise = (async () => {
      if (spanProblem) return { comparison: undefined, validation: undefined };
      const comparison = await attempt(root, 'Holdout ranking', () => api.get<ModelComparison>('/v1/analytics/models/compare', split, signal));
      // Only a model that could be fitted has a validation (the route answers 422 otherwise).
      const fitted = comparison?.models.some((m) => m.model === model && m.converged);
      const validation = fitted ? await attempt(root, `${MODEL_NAMES[model]} holdout validation`, () => api.get<HoldoutValidationReport>(`/v1/analytics/models/${model}/validation`, split, signal)) : undefined;
      return { comparison, validation };
    })();
    const [fits, { comparison, validation }] = await Promise.all([fitsPromise, validationPromise]);
    if (signal.aborted) return;

    const [bgnbd, paretoNbd, mbgNbd, gammaGamma] = fits;
    const entries = [
      { model: DESCRIPTION.bgnbd, fit: bgnbd },
      { model: DESCRIPTION['pareto-nbd'], fit: paretoNbd },
      { model: DESCRIPTION['mbg-nbd'], fit: mbgNbd },
      { model: `Gamma-Gamma (spend per purchase-day, ${scope.currency})`, fit: gammaGamma },
    ].filter((f): f is { model: string; fit: FitReport } => f.fit !== undefined);
    for (const { model: title, fit } of entries) mount(root, fitPanel(title, fit, scope.asOfDate));

    const sectionId = uid('holdout');
    root.append(
      el('h2', { id: sectionId, class: 'section-title' }, 'Holdout validation'),
      el(
        'p',
        { class: 'hint' },
        `Fitted on the purchases to the end of ${scope.asOfDate}, then compared with the repeat purchase-days that followed, to the end of ${holdoutEnd}.`,
      ),
      holdoutForm(context, holdoutEnd, model),
    );
    if (spanProblem) {
      root.append(el('p', { class: 'error', role: 'alert', 'data-holdout': 'invalid' }, spanProblem));
      return;
    }
    if (comparison) mount(root, rankingPanel(comparison, scope.asOfDate, holdoutEnd));
    if (comparison && !validation && !comparison.models.some((m) => m.model === model && m.converged)) {
      root.append(el('p', { class: 'empty' }, `${MODEL_NAMES[model]} could not be fitted at ${scope.asOfDate}: no holdout validation to show.`));
    }
    if (validation) mount(root, ...validationPanels(validation, scope.asOfDate, holdoutEnd));
  },
};

function fitPanel(title: string, fit: FitReport, asOfDate: string) {
  const params = Object.entries(fit.params ?? {});
  return figurePanel({
    title,
    description: `${formatCount(fit.customers)} customers; ${fit.converged ? `converged after ${fit.iterations ?? '?'} iterations, log-likelihood ${formatDecimal(fit.logLikelihood, 2)}` : `not fitted: ${fit.reason ?? 'did not converge'}`}.`,
    chart: {
      label: `Fitted parameters of ${title}: ${params.map(([name, value]) => `${name} ${formatDecimal(value, 4)}`).join(', ')}`,
      height: 200,
      option: {
        grid: { left: 60, right: 20, top: 20, bottom: 30 },
        xAxis: { type: 'category', data: params.map(([name]) => name) },
        yAxis: { type: 'log' },
        series: [{ type: 'scatter', name: 'Parameter', symbolSize: 14, data: params.map(([, value]) => value) }],
      },
    },
    table: {
      caption: `Parameters of ${title}`,
      rows: params,
      empty: 'No parameters: the model could not be fitted on this data.',
      columns: [
        { header: 'Parameter', value: ([name]) => name },
        { header: 'Estimate', value: ([, value]) => value, render: ([, value]) => formatDecimal(value, 4), numeric: true },
        { header: 'Meaning', value: ([name]) => MEANING[name] ?? '' },
      ],
    },
    csv: `${title.split(' ')[0]!.toLowerCase().replace(/[^a-z]+/g, '-')}-fit-${asOfDate}`,
  });
}

function holdoutForm({ href }: ViewContext, holdoutEnd: string, model: PurchaseModelName): HTMLElement {
  const endId = uid('holdout-end');
  const modelId = uid('holdout-model');
  const end = el('input', { id: endId, type: 'date', name: 'holdoutEnd', value: holdoutEnd, required: true });
  const select = el(
    'select',
    { id: modelId, name: 'model' },
    PURCHASE_MODELS.map((m) => el('option', { value: m, selected: m === model }, MODEL_NAMES[m])),
  );
  const form = el(
    'form',
    { class: 'form-row holdout' },
    el('div', { class: 'field' }, el('label', { for: endId }, 'Holdout ends (end of day, UTC)'), end),
    el('div', { class: 'field' }, el('label', { for: modelId }, 'Model to chart'), select),
    el('button', { type: 'submit' }, 'Validate'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!isDay(end.value)) return;
    window.location.hash = href(['models'], { holdoutEnd: end.value, model: select.value });
  });
  return form;
}

type RankedRow = ModelComparison['models'][number];

function rankingPanel(comparison: ModelComparison, asOfDate: string, holdoutEnd: string) {
  const ranked = comparison.models.filter((m): m is Extract<RankedRow, { converged: true }> => m.converged);
  return figurePanel<RankedRow>({
    title: 'Models ranked by holdout error',
    description: `${formatCount(comparison.customers)} customers, ${formatDecimal(comparison.holdoutWeeks, 1)} weeks of holdout. MAPE: the mean absolute percentage error of the weekly cumulative repeat purchase-days; lower is better.`,
    chart: {
      label: `MAPE of the weekly cumulative holdout tracking: ${ranked.map((m) => `${MODEL_NAMES[m.model]} ${formatDecimal(m.mapePercent, 2)} %`).join(', ')}`,
      height: 180,
      option: {
        grid: { left: 90, right: 30, top: 10, bottom: 30 },
        xAxis: { type: 'value', name: 'MAPE %' },
        yAxis: { type: 'category', inverse: true, data: ranked.map((m) => MODEL_NAMES[m.model]) },
        series: [{ type: 'bar', name: 'MAPE %', data: ranked.map((m) => m.mapePercent) }],
      },
    },
    table: {
      caption: 'Holdout ranking of the purchase models',
      rows: comparison.models,
      empty: 'No model could be fitted at this date.',
      columns: [
        { header: 'Model', value: (m) => MODEL_NAMES[m.model] },
        { header: 'Rank', value: (m) => m.rank, numeric: true },
        { header: 'MAPE (%)', value: (m) => (m.converged ? m.mapePercent : null), render: (m) => (m.converged ? formatDecimal(m.mapePercent, 2) : '—'), numeric: true },
        { header: 'Log-likelihood', value: (m) => (m.converged ? m.logLikelihood : null), render: (m) => (m.converged ? formatDecimal(m.logLikelihood, 2) : '—'), numeric: true },
        { header: 'Parameters', value: (m) => (m.converged ? paramsText(m.params) : `not fitted: ${m.reason}`) },
      ],
    },
    csv: `model-ranking-${asOfDate}-${holdoutEnd}`,
  });
}

function validationPanels(validation: HoldoutValidationReport, asOfDate: string, holdoutEnd: string) {
  const name = MODEL_NAMES[validation.model];
  const last = validation.tracking[validation.tracking.length - 1];
  const buckets = figurePanel({
    title: `${name}: actual against predicted, by calibration frequency`,
    description: `Mean repeat purchase-days per customer in the holdout, for the customers with 0, 1, …, 6 and 7 or more repeat purchase-days in the calibration period.`,
    chart: {
      label: `${name}, mean holdout repeat purchase-days by calibration frequency, actual against predicted: ${validation.buckets.map((b) => `${b.frequency}: ${formatDecimal(b.meanActual, 2)} against ${formatDecimal(b.meanPredicted, 2)}`).join('; ')}`,
      height: 260,
      option: {
        grid: { left: 50, right: 20, top: 40, bottom: 50 },
        legend: { top: 0 },
        xAxis: { type: 'category', name: 'repeat purchase-days in calibration', nameLocation: 'middle', nameGap: 30, data: validation.buckets.map((b) => b.frequency) },
        yAxis: { type: 'value', name: 'per customer' },
        series: [
          { type: 'bar', name: 'Actual', data: validation.buckets.map((b) => b.meanActual) },
          { type: 'bar', name: `Predicted (${name})`, data: validation.buckets.map((b) => b.meanPredicted) },
        ],
      },
    },
    table: {
      caption: `${name}: mean holdout repeat purchase-days by calibration frequency`,
      rows: validation.buckets,
      columns: [
        { header: 'Calibration repeat purchase-days', value: (b) => b.frequency },
        { header: 'Customers', value: (b) => b.customers, render: (b) => formatCount(b.customers), numeric: true },
        { header: 'Actual', value: (b) => b.meanActual, render: (b) => formatDecimal(b.meanActual, 3), numeric: true },
        { header: 'Predicted', value: (b) => b.meanPredicted, render: (b) => formatDecimal(b.meanPredicted, 3), numeric: true },
      ],
    },
    csv: `${validation.model}-holdout-buckets-${asOfDate}-${holdoutEnd}`,
  });
  const tracking = figurePanel({
    title: `${name}: weekly cumulative repeat purchase-days`,
    description: `All customers' repeat purchase-days since ${asOfDate}, week by week, against the model's expectation; MAPE ${formatDecimal(validation.mapePercent, 2)} %.${last ? ` By ${last.date}: ${formatCount(last.actual)} actual, ${formatCount(Math.round(last.predicted))} predicted.` : ''}`,
    chart: {
      label: `${name}, cumulative holdout repeat purchase-days over ${validation.tracking.length} weeks${last ? `: ${formatCount(last.actual)} actual against ${formatCount(Math.round(last.predicted))} predicted at the end` : ''}`,
      height: 280,
      option: {
        grid: { left: 60, right: 20, top: 40, bottom: 40 },
        legend: { top: 0 },
        xAxis: { type: 'category', name: 'week', nameLocation: 'middle', nameGap: 25, data: validation.tracking.map((w) => w.week) },
        yAxis: { type: 'value', name: 'cumulative' },
        series: [
          { type: 'line', name: 'Actual', showSymbol: false, data: validation.tracking.map((w) => w.actual) },
          { type: 'line', name: `Predicted (${name})`, showSymbol: false, lineStyle: { type: 'dashed' }, data: validation.tracking.map((w) => w.predicted) },
        ],
      },
    },
    table: {
      caption: `${name}: weekly cumulative holdout repeat purchase-days`,
      rows: validation.tracking,
      columns: [
        { header: 'Week', value: (w) => w.week, numeric: true },
        { header: 'Ending', value: (w) => w.date },
        { header: 'Actual', value: (w) => w.actual, render: (w) => formatCount(w.actual), numeric: true },
        { header: 'Predicted', value: (w) => w.predicted, render: (w) => formatDecimal(w.predicted, 1), numeric: true },
      ],
    },
    csv: `${validation.model}-holdout-tracking-${asOfDate}-${holdoutEnd}`,
  });
  return [buckets, tracking];
}
