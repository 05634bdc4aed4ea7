/// <reference lib="dom" />
// Apache ECharts, trimmed to the five chart types the views draw (heat map,
// bar, line, funnel, scatter) and the components they use, so the bundle
// carries nothing else (issue 14: all JavaScript ≤ 300 KB gzipped).
import { BarChart, FunnelChart, HeatmapChart, LineChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { init, use, type ComposeOption, type ECharts } from 'echarts/core';
import type { BarSeriesOption, FunnelSeriesOption, HeatmapSeriesOption, LineSeriesOption, ScatterSeriesOption } from 'echarts/charts';
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption, VisualMapComponentOption } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

use([HeatmapChart, BarChart, LineChart, FunnelChart, ScatterChart, GridComponent, TooltipComponent, VisualMapComponent, LegendComponent, CanvasRenderer]);

export type ChartOption = ComposeOption<
  | HeatmapSeriesOption
  | BarSeriesOption
  | LineSeriesOption
  | FunnelSeriesOption
  | ScatterSeriesOption
  | GridComponentOption
  | TooltipComponentOption
  | VisualMapComponentOption
  | LegendComponentOption
>;

/** Colours with enough contrast on white (WCAG AA for large text and graphics). */
export const PALETTE = ['#1d4ed8', '#b45309', '#047857', '#b91c1c', '#6d28d9', '#0e7490', '#a21caf', '#4d7c0f'];
export const HEAT = ['#eff6ff', '#bfdbfe', '#60a5fa', '#2563eb', '#1e3a8a'];

/** Tooltips drawn on the canvas, not as HTML with inline styles, which the page's CSP refuses. */
const TOOLTIP: TooltipComponentOption = { renderMode: 'richText', confine: true };

export interface ChartHandle {
  readonly chart: ECharts;
  dispose(): void;
}

const live = new Set<ChartHandle>();

/**
 * Draws `option` in `container`, which gets role="img" and `label` as its
 * accessible name: the numbers themselves are in the table beside every chart.
 */
export function drawChart(container: HTMLElement, option: ChartOption, label: string, onClick?: (params: { data: unknown; dataIndex: number; value: unknown }) => void): ChartHandle {
  container.setAttribute('role', 'img');
  container.setAttribute('aria-label', label);
  const chart = init(container, undefined, { renderer: 'canvas' });
  chart.setOption({ color: PALETTE, animation: false, textStyle: { fontFamily: 'system-ui, sans-serif' }, tooltip: TOOLTIP, ...option });
  if (onClick) chart.on('click', (params) => onClick(params as unknown as { data: unknown; dataIndex: number; value: unknown }));
  const observer = new ResizeObserver(() => chart.resize());
  observer.observe(container);
  const handle: ChartHandle = {
    chart,
    dispose() {
      observer.disconnect();
      chart.dispose();
      live.delete(handle);
    },
  };
  live.add(handle);
  return handle;
}

/** Every chart drawn so far, disposed: a view calls it before it is replaced. */
export function disposeCharts(): void {
  for (const handle of [...live]) handle.dispose();
}
