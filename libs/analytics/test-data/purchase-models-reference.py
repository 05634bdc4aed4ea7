#!/usr/bin/env python3
"""Reference values for the purchase models' special functions and likelihoods,
computed independently of the TypeScript code with mpmath at 60 digits.

    python3 libs/analytics/test-data/purchase-models-reference.py \
        > libs/analytics/test-data/purchase-models-reference.json

Needs mpmath (pip install mpmath). Reads ../shared/data/cdnow/CDNOW_sample.txt.

- hyp2f1APlus1: log 2F1(a, b; a+1; z), the form in the Pareto/NBD likelihood,
  over the arguments the CDNOW fit reaches (z <= 0.1) and far beyond, up to
  1 - z = 1e-12, integer and nearly integer b included.
- hyp2f1: 2F1(a, b; c; z) as BG/NBD and MBG/NBD conditional expectations
  need it on CDNOW (horizons up to 520 weeks).
- paretoNbd: the Pareto/NBD log-likelihood and P(alive) of single customers at
  parameters from ordinary to extreme, from the defining integral
    L = G(r+x)a^r b^s / G(r) [ (a+T)^-(r+x) (b+T)^-s
        + s Int_{t_x}^{T} (a+t)^-(r+x) (b+t)^-(s+1) dt ]
  by numerical quadrature (no hypergeometric function), checked here against
  the 2F1 expression of Fader & Hardie's note.
- cdnow: per-customer summaries of CDNOW_sample.txt as of 1997-09-30
  (purchase-days, weeks) and the summed log-likelihoods of the three models at
  the README's parameters, plus P(alive) and conditional expectations of a few
  customers, and the observed information in the log-parameters there (with
  its inverse) for the parameter intervals.
"""
import datetime
import json
import os
import sys

import mpmath as mp

mp.mp.dps = 60
HERE = os.path.dirname(os.path.abspath(__file__))
CDNOW = os.path.join(HERE, '..', '..', '..', '..', 'shared', 'data', 'cdnow', 'CDNOW_sample.txt')


def f(v):
    return float(v)


def hyp2f1_a_plus_1_grid():
    rows = []
    # What CDNOW reaches at the fitted parameters: a = r+s+x, b = s+1 or r+x, z <= 0.1.
    r, s = mp.mpf('0.5533'), mp.mpf('0.6062')
    for x in [0, 1, 2, 5, 10, 20, 29]:
        a = r + s + x
        for b in [s + 1, r + x]:
            for z in ['0', '0.001', '0.01', '0.05', '0.0935']:
                rows.append((a, b, mp.mpf(z)))
    # And beyond: small to large a, b near and at integers, z up to 1 - 1e-12.
    for a in ['0.05', '0.3', '1', '1.1595', '2.5', '7', '31.2', '120', '800']:
        for b in ['0.02', '0.3', '0.5', '0.7', '0.9999999', '1', '1.0000001', '1.6062', '2', '2.0000000001', '2.5', '3', '6.99999', '7', '7.3', '30.5533', '119.5']:
            a_, b_ = mp.mpf(a), mp.mpf(b)
            if not b_ < a_ + 1:
                continue
            for y in ['1', '0.9', '0.5', '0.2', '0.05', '0.02', '0.0101', '0.0099', '0.005', '1e-3', '1e-4', '1e-6', '1e-9', '1e-12']:
                rows.append((a_, b_, 1 - mp.mpf(y)))
    out = []
    for a, b, z in rows:
        # The TypeScript side gets y = 1 - z as a double and computes at that y exactly.
        y = mp.mpf(f(1 - z))
        zz = 1 - y
        out.append({'a': f(a), 'b': f(b), 'z': f(zz), 'y': f(y), 'log': f(mp.log(mp.hyp2f1(a, b, a + 1, zz)))})
    return out


def purchase_days(path):
    """x, t_x and T in weeks as of 1997-09-30, purchase-days in UTC calendar days."""
    days = {}
    for line in open(path):
        parts = line.split()
        if not parts:
            continue
        customer = str(int(parts[1]))
        d = datetime.date(int(parts[2][:4]), int(parts[2][4:6]), int(parts[2][6:8]))
        days.setdefault(customer, set()).add(d)
    end = datetime.date(1997, 9, 30)
    out = {}
    for customer, ds in days.items():
        ds = sorted(d for d in ds if d <= end)
        if not ds:
            continue
        out[customer] = (len(ds) - 1, (ds[-1] - ds[0]).days, (end - ds[0]).days)
    return out


def pnbd_ll_hyp(r, alpha, s, beta, x, tx, T):
    """Fader & Hardie (2005) note, eq. 22, with the 2F1 of the larger of alpha and beta."""
    r, alpha, s, beta, tx, T = map(mp.mpf, (r, alpha, s, beta, tx, T))
    if alpha >= beta:
        big, small, b = alpha, beta, s + 1
    else:
        big, small, b = beta, alpha, r + x
    a = r + s + x
    A0 = mp.hyp2f1(a, b, a + 1, (big - small) / (big + tx)) / (big + tx) ** a - mp.hyp2f1(a, b, a + 1, (big - small) / (big + T)) / (big + T) ** a
    head = mp.loggamma(r + x) - mp.loggamma(r) + r * mp.log(alpha) + s * mp.log(beta)
    alive = 1 / ((alpha + T) ** (r + x) * (beta + T) ** s)
    dead = s / a * A0
    return head + mp.log(alive + dead), alive / (alive + dead)


def pnbd_ll_quad(r, alpha, s, beta, x, tx, T):
    """The same from the defining integral, by quadrature."""
    r, alpha, s, beta, tx, T = map(mp.mpf, (r, alpha, s, beta, tx, T))
    integrand = lambda t: (alpha + t) ** (-(r + x)) * (beta + t) ** (-(s + 1))
    def pieces(factor):
        # Pieces over which the integrand changes by about e^factor: smooth enough for quadrature
        # however steeply it falls overall.
        points = [tx]
        while points[-1] < T:
            t = points[-1]
            slope = (r + x) / (alpha + t) + (s + 1) / (beta + t)
            points.append(min(T, t + factor / slope))
        return points

    if tx < T:
        # Gauss-Legendre on each piece (tanh-sinh summed over hundreds of pieces loses digits here),
        # checked against half the piece size.
        integral = mp.quad(integrand, pieces(mp.mpf('0.2')), method='gauss-legendre')
        check = mp.quad(integrand, pieces(mp.mpf('0.1')), method='gauss-legendre')
        assert abs(integral - check) < mp.mpf('1e-16') * integral, (integral, check)
    else:
        integral = mp.mpf(0)
    head = mp.loggamma(r + x) - mp.loggamma(r) + r * mp.log(alpha) + s * mp.log(beta)
    alive = (alpha + T) ** (-(r + x)) * (beta + T) ** (-s)
    dead = s * integral
    return head + mp.log(alive + dead), alive / (alive + dead)


def pnbd_single_customers():
    params = [
        ('CDNOW README', '0.5533', '10.5777', '0.6062', '11.6687'),
        ('alpha >> beta', '0.8', '50', '0.3', '0.01'),
        ('beta >> alpha', '1.3', '0.02', '2.5', '80'),
        ('alpha = beta', '0.7', '5', '1.2', '5'),
        ('s = 1, r = 1', '1', '3', '1', '0.5'),
        ('r = 1, beta >> alpha', '1', '0.001', '0.4', '400'),
        ('huge alpha', '2', '1e6', '0.6', '0.3'),
        ('huge beta', '0.4', '2', '0.9', '1e7'),
    ]
    customers = [(0, 0, 38.86), (0, 0, 0.5), (1, 1.71, 38.86), (2, 30.43, 38.86), (7, 29.43, 38.86), (3, 10, 10), (21, 36.9, 38.0), (50, 0.2, 78)]
    out = []
    for name, r, alpha, s, beta in params:
        for x, tx, T in customers:
            ll_q, alive_q = pnbd_ll_quad(r, alpha, s, beta, x, tx, T)
            ll_h, alive_h = pnbd_ll_hyp(r, alpha, s, beta, x, tx, T)
            assert abs(ll_q - ll_h) < mp.mpf('1e-16') * (1 + abs(ll_q)), (name, x, tx, T, ll_q, ll_h)
            assert abs(alive_q - alive_h) < mp.mpf('1e-16'), (name, x, tx, T, alive_q, alive_h)
            out.append({'case': name, 'r': f(r), 'alpha': f(alpha), 's': f(s), 'beta': f(beta), 'x': x, 'tx': tx, 'T': T, 'logLikelihood': f(ll_h), 'pAlive': f(alive_h)})
    return out


def bgnbd_ll(r, alpha, a, b, x, tx, T):
    r, alpha, a, b, tx, T = map(mp.mpf, (r, alpha, a, b, tx, T))
    head = mp.loggamma(r + x) - mp.loggamma(r) + r * mp.log(alpha) + mp.log(mp.beta(a, b + x) / mp.beta(a, b))
    tail = (alpha + T) ** (-(r + x))
    if x > 0:
        tail += a / (b + x - 1) * (alpha + tx) ** (-(r + x))
    return head + mp.log(tail)


def mbgnbd_ll(r, alpha, a, b, x, tx, T):
    """Batislam, Denizel & Filiztekin (2007): a customer may drop out at each purchase, the first included."""
    r, alpha, a, b, tx, T = map(mp.mpf, (r, alpha, a, b, tx, T))
    head = mp.loggamma(r + x) - mp.loggamma(r) + r * mp.log(alpha)
    alive = mp.beta(a, b + x + 1) / mp.beta(a, b) * (alpha + T) ** (-(r + x))
    dead = mp.beta(a + 1, b + x) / mp.beta(a, b) * (alpha + tx) ** (-(r + x))
    return head + mp.log(alive + dead), alive / (alive + dead)


def mbgnbd_expected(r, alpha, a, b, x, tx, T, t):
    r, alpha, a, b, tx, T, t = map(mp.mpf, (r, alpha, a, b, tx, T, t))
    _, p_alive = mbgnbd_ll(r, alpha, a, b, x, tx, T)
    g = ((alpha + T) / (alpha + T + t)) ** (r + x) * mp.hyp2f1(r + x, b + x + 1, a + b + x, t / (alpha + T + t))
    return p_alive * (a + b + x) / (a - 1) * (1 - g)


def pnbd_expected(r, alpha, s, beta, x, tx, T, t):
    r, alpha, s, beta, tx, T, t = map(mp.mpf, (r, alpha, s, beta, tx, T, t))
    _, p_alive = pnbd_ll_hyp(r, alpha, s, beta, x, tx, T)
    return p_alive * (r + x) * (beta + T) / ((alpha + T) * (s - 1)) * (1 - ((beta + T) / (beta + T + t)) ** (s - 1))


def cdnow():
    summaries = purchase_days(CDNOW)
    weeks = {c: (x, mp.mpf(tx) / 7, mp.mpf(T) / 7) for c, (x, tx, T) in summaries.items()}
    pnbd = ('0.5533', '10.5777', '0.6062', '11.6687')
    mbg = ('0.5248', '6.1831', '0.8914', '1.6140')
    bg = ('0.2426', '4.4136', '0.7929', '2.4259')
    # Equal (x, t_x, T) have equal likelihoods.
    groups = {}
    for v in weeks.values():
        groups[v] = groups.get(v, 0) + 1
    ll = {'paretoNbd': mp.mpf(0), 'mbgNbd': mp.mpf(0), 'bgNbd': mp.mpf(0)}
    for (x, tx, T), n in groups.items():
        ll['paretoNbd'] += n * pnbd_ll_hyp(*pnbd, x, tx, T)[0]
        ll['mbgNbd'] += n * mbgnbd_ll(*mbg, x, tx, T)[0]
        ll['bgNbd'] += n * bgnbd_ll(*bg, x, tx, T)
    customers = []
    for c in ['1', '2', '3', '6', '11', '18', '100', '1000', '2357']:
        x, tx, T = weeks[c]
        row = {'customerId': c, 'x': x, 'txDays': summaries[c][1], 'TDays': summaries[c][2]}
        row['paretoNbdPAlive'] = f(pnbd_ll_hyp(*pnbd, x, tx, T)[1])
        row['mbgNbdPAlive'] = f(mbgnbd_ll(*mbg, x, tx, T)[1])
        row['paretoNbdExpected'] = {str(t): f(pnbd_expected(*pnbd, x, tx, T, t)) for t in (1, 10, 39, 52, 104, 520)}
        row['mbgNbdExpected'] = {str(t): f(mbgnbd_expected(*mbg, x, tx, T, t)) for t in (1, 10, 39, 52, 104, 520)}
        customers.append(row)
    return {
        'asOf': '1997-09-30',
        'customers': len(weeks),
        'distinct': len(groups),
        'params': {'paretoNbd': dict(zip(('r', 'alpha', 's', 'beta'), map(float, pnbd))), 'mbgNbd': dict(zip(('r', 'alpha', 'a', 'b'), map(float, mbg))), 'bgNbd': dict(zip(('r', 'alpha', 'a', 'b'), map(float, bg)))},
        'logLikelihood': {k: f(v) for k, v in ll.items()},
        'observedInformation': observed_information(),
        'sample': customers,
    }


def observed_information():
    """
    -d2(sum of log L)/d(theta_i)d(theta_j), theta = log of the parameters, at the README's parameters, by
    mpmath's numerical differentiation at 30 digits; and its inverse, the covariance of theta.
    """
    summaries = purchase_days(CDNOW)
    groups = {}
    for x, tx, T in summaries.values():
        key = (x, mp.mpf(tx) / 7, mp.mpf(T) / 7)
        groups[key] = groups.get(key, 0) + 1
    models = {
        'bgNbd': (('0.2426', '4.4136', '0.7929', '2.4259'), lambda p, x, tx, T: bgnbd_ll(*p, x, tx, T)),
        'paretoNbd': (('0.5533', '10.5777', '0.6062', '11.6687'), lambda p, x, tx, T: pnbd_ll_hyp(*p, x, tx, T)[0]),
        'mbgNbd': (('0.5248', '6.1831', '0.8914', '1.6140'), lambda p, x, tx, T: mbgnbd_ll(*p, x, tx, T)[0]),
    }
    out = {}
    with mp.workdps(30):
        for name, (params, ll) in models.items():
            theta0 = [mp.log(mp.mpf(v)) for v in params]
            total = lambda *theta: mp.fsum(n * ll([mp.exp(t) for t in theta], x, tx, T) for (x, tx, T), n in groups.items())
            info = mp.matrix(4, 4)
            for i in range(4):
                for j in range(i + 1):
                    order = [0, 0, 0, 0]
                    order[i] += 1
                    order[j] += 1
                    info[i, j] = info[j, i] = -mp.diff(total, theta0, tuple(order))
            cov = info ** -1
            out[name] = {'information': [[f(info[i, j]) for j in range(4)] for i in range(4)], 'logCovariance': [[f(cov[i, j]) for j in range(4)] for i in range(4)]}
    return out


def hyp2f1_general():
    """2F1 as the BG/NBD and MBG/NBD conditional expectations call it on CDNOW, horizons up to 520 weeks."""
    out = []
    for (r, alpha, a, b, shift) in [('0.2426', '4.4136', '0.7929', '2.4259', 0), ('0.5248', '6.1831', '0.8914', '1.6140', 1)]:
        r, alpha, a, b = map(mp.mpf, (r, alpha, a, b))
        for x in [0, 1, 2, 5, 10, 29]:
            for T in ['0', '27', '32.14', '38.86']:
                for t in [1, 10, 39, 52, 104, 260, 520]:
                    T_ = mp.mpf(T)
                    args = (r + x, b + x + shift, a + b + x - 1 + shift, t / (alpha + T_ + t))
                    out.append({'a': f(args[0]), 'b': f(args[1]), 'c': f(args[2]), 'z': f(args[3]), 'value': f(mp.hyp2f1(*[mp.mpf(f(v)) for v in args]))})
    return out


if __name__ == '__main__':
    json.dump(
        {
            'generatedBy': 'libs/analytics/test-data/purchase-models-reference.py, mpmath ' + mp.__version__ + ' at ' + str(mp.mp.dps) + ' digits',
            'hyp2f1APlus1': hyp2f1_a_plus_1_grid(),
            'hyp2f1': hyp2f1_general(),
            'paretoNbd': pnbd_single_customers(),
            'cdnow': cdnow(),
        },
        sys.stdout,
        indent=1,
    )
    sys.stdout.write('\n')
