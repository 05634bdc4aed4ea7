import { nelderMead } from './nelder-mead';

describe('Nelder–Mead', () => {
  it('finds the minimum of the Rosenbrock valley', () => {
    const rosenbrock = ([x, y]: readonly number[]) => 100 * (y - x * x) ** 2 + (1 - x) ** 2;
    const result = nelderMead(rosenbrock, [-1.2, 1]);
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBeCloseTo(1, 6);
    expect(result.x[1]).toBeCloseTo(1, 6);
    expect(result.f).toBeLessThan(1e-12);
  });

  it('finds the minimum of a 4-dimensional quadratic with different scales', () => {
    const centre = [3, -2, 0.5, 10];
    const scales = [1, 100, 0.01, 5];
    const result = nelderMead((x) => x.reduce((s, v, i) => s + scales[i] * (v - centre[i]) ** 2, 0), [0, 0, 0, 0]);
    expect(result.converged).toBe(true);
    result.x.forEach((v, i) => expect(v).toBeCloseTo(centre[i], 4));
  });

  it('treats non-finite values as +∞ and walks away from them', () => {
    const fenced = ([x]: readonly number[]) => (x < 0 ? NaN : (x - 2) ** 2);
    const result = nelderMead(fenced, [0.1], { step: 1 });
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBeCloseTo(2, 6);
  });

  it('says why it did not converge: a non-finite start, the iteration limit', () => {
    expect(nelderMead(() => Infinity, [1, 2])).toMatchObject({ converged: false, reason: expect.stringMatching(/starting point/) });
    const slow = nelderMead(([x, y]) => 100 * (y - x * x) ** 2 + (1 - x) ** 2, [-1.2, 1], { maxIterations: 10 });
    expect(slow).toMatchObject({ converged: false, reason: 'no convergence within 10 iterations', iterations: 10 });
  });

  it('a function that keeps decreasing never converges', () => {
    const result = nelderMead(([x]) => -x, [0], { maxIterations: 2000 });
    expect(result.converged).toBe(false);
  });
});
