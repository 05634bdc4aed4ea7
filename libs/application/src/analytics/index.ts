// The JSON shape of every analytics report, defined once for the API and the CLI.
export * from './analytics-scope';
export * from './model-fit.presenter';
export * from './holdout.presenter';
export * from './rfm.presenter';
export * from './prediction.presenter';
export * from './money.presenter';
export * from './loop-report.presenter';
export * from './period-report.presenter';
