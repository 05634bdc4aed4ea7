import type { BgNbdFit, GammaGammaFit, ParetoNbdFit } from '@rapport/analytics';
import { presentBgNbd, presentBgNbdFit, presentFit, presentGammaGamma, presentGammaGammaFit, presentPurchaseModel } from './model-fit.presenter';

const converged: BgNbdFit = { converged: true, params: { r: 0.24, alpha: 4.41, a: 0.79, b: 2.4 }, logLikelihood: -9582.4, iterations: 484, evaluations: 900 };
const stopped: GammaGammaFit = {
  converged: false,
  reason: 'p ran to the boundary',
  iterations: 5000,
  lastParams: { p: 1e-9, q: 2, v: 3 },
  lastLogLikelihood: -12,
};

describe('model fit presenter', () => {
  it('gives a converged fit its estimate, without the evaluation count', () => {
    expect(presentFit(converged)).toEqual({ converged: true, params: converged.params, logLikelihood: -9582.4, iterations: 484 });
  });

  it('gives a fit that did not converge its reason and no numbers, not even where the search stopped', () => {
    expect(presentFit(stopped)).toEqual({ converged: false, reason: 'p ran to the boundary', iterations: 5000 });
  });

  it('renders BG/NBD in weeks over every customer, asOf first', () => {
    const report = presentBgNbd('1997-09-30T23:59:59Z', { fit: converged, customers: 2357 });
    expect(JSON.stringify(report)).toBe(
      '{"asOf":"1997-09-30T23:59:59Z","timeUnit":"week","customers":2357,"converged":true,' +
        '"params":{"r":0.24,"alpha":4.41,"a":0.79,"b":2.4},"logLikelihood":-9582.4,"iterations":484}',
    );
    expect(presentBgNbdFit({ fit: converged, customers: 2357 })).not.toHaveProperty('asOf');
  });

  it('renders Gamma-Gamma in the currency it was fitted in', () => {
    const report = presentGammaGamma({ asOf: '2026-01-01T00:00:00Z', currency: 'EUR' }, { fit: stopped, customers: 1 });
    expect(JSON.stringify(report)).toBe(
      '{"asOf":"2026-01-01T00:00:00Z","currency":"EUR","customers":1,"converged":false,"reason":"p ran to the boundary","iterations":5000}',
    );
    expect(Object.keys(presentGammaGammaFit('EUR', { fit: stopped, customers: 1 }))).toEqual(['currency', 'customers', 'converged', 'reason', 'iterations']);
  });

  it('renders Pareto/NBD and MBG/NBD in the shape of BG/NBD', () => {
    const pareto: ParetoNbdFit = { converged: true, params: { r: 0.55, alpha: 10.58, s: 0.61, beta: 11.67 }, logLikelihood: -9595, iterations: 361, evaluations: 668 };
    expect(JSON.stringify(presentPurchaseModel('1997-09-30T23:59:59Z', { fit: pareto, customers: 2357 }))).toBe(
      '{"asOf":"1997-09-30T23:59:59Z","timeUnit":"week","customers":2357,"converged":true,' +
        '"params":{"r":0.55,"alpha":10.58,"s":0.61,"beta":11.67},"logLikelihood":-9595,"iterations":361}',
    );
    expect(presentPurchaseModel('1997-09-30T23:59:59Z', { fit: converged, customers: 2357 })).toEqual(presentBgNbd('1997-09-30T23:59:59Z', { fit: converged, customers: 2357 }));
  });
});
