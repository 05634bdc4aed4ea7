// Special functions, from stdlib (CommonJS packages; the default import works
// through esModuleInterop under tsc, @swc/jest and @swc-node/register alike).
//  - gammaln: log|Γ(x)|, Lanczos/Cephes-based, accurate for large x where Γ overflows.
//  - betaln: log B(a, b) computed directly (not as Γ sums), so it does not lose
//    digits to cancellation when one argument is large.
//  - hyp2f1: the Gauss hypergeometric function ₂F₁(a, b; c; z), a port of Cephes
//    with its series, recurrences and linear transformations near z = 1.
import betaln from '@stdlib/math-base-special-betaln';
import gammaln from '@stdlib/math-base-special-gammaln';
import hyp2f1 from '@stdlib/math-base-special-hyp2f1';

export { betaln, gammaln, hyp2f1 };
