"""Global and local Moran's I with seeded permutation inference.

Inputs are a long table (one row per id and, optionally, year) and a
:class:`~spatial_carbon.spatial.weights.Weights`; outputs are tidy frames, one row
per year (global) or per id and year (local).  What the next step needs of
the weights travels in columns (``weights``, ``n_islands``, ``island_policy``,
``n_components``); the full connectivity report is ``Weights.report``.

Why not esda directly: ``esda.Moran`` draws permutations from numpy's global
random state (not reproducible without touching global state), and
``esda.Moran_Local`` compiles numba code at every new process (~16 s, on the
user's clock for every CLI or QGIS run) and keeps ``n x permutations``
simulations in memory by default.  We implement the same statistics with
numpy and a private ``numpy.random.Generator`` per (seed, year), and check
them against esda (same definitions) in the tests.  Conditional
randomisation uses one shared set of random draws per permutation for all
locations, as esda does, but evaluated in ``O(n log P)`` (see
:func:`_conditional_counts`), so it needs neither numba nor an
``n x P`` matrix.
"""

from __future__ import annotations

import math
import os
import warnings
from typing import Iterable

import numpy as np
import pandas as pd
from scipy.special import ndtr  # normal CDF; scipy.stats costs ~1 s of import

from .. import regions as _regions
from ..defaults import ALPHA, ALTERNATIVE, PERMUTATIONS, SEED
from ..errors import (
    DataQualityWarning,
    DuplicateRowError,
    InputError,
    MissingDataError,
    WeightsError,
    show,
)
from .weights import Weights, _same_ids, normalise_ids

__all__ = [
    "ALTERNATIVES",
    "CLUSTER_LABELS",
    "QUADRANT_LABELS",
    "global_moran",
    "local_moran",
    "moran_global_arrays",
    "moran_local_arrays",
    "moran_bv_global_arrays",
    "moran_local_bv_arrays",
    "local_moran_moments",
    "fdr_bh",
    "min_permutations",
]

ALTERNATIVES = ("two-sided", "greater", "less", "folded")
#: esda/giddy quadrant numbering (order of the transition matrices).
QUADRANT_LABELS = {0: "undefined", 1: "HH", 2: "LH", 3: "LL", 4: "HL"}
#: GeoDa's LISA cluster codes.
CLUSTER_LABELS = {
    0: "Not significant", 1: "High-High", 2: "Low-Low", 3: "Low-High", 4: "High-Low",
    5: "Undefined", 6: "Isolated",
}
_Q_TO_CLUSTER = np.array([5, 1, 3, 2, 4])  # quadrant (0..4) -> GeoDa cluster code
SIGNIFICANCE_LEVELS = (0.05, 0.01, 0.001)


# --------------------------------------------------------------------------- #
# random streams
# --------------------------------------------------------------------------- #
def _rng(seed: int, key: int, stream: int) -> np.random.Generator:
    """Independent generator for (seed, year key, statistic): results for one
    year do not depend on the other years in the table or on process count."""
    if seed is None or int(seed) < 0:
        raise InputError(f"seed must be a non-negative integer, got {seed!r}")
    return np.random.default_rng(np.random.SeedSequence([int(seed), int(key), int(stream)]))


def _p_from_counts(ge: np.ndarray, le: np.ndarray, permutations: int, alternative: str) -> np.ndarray:
    """Pseudo p-values from the counts of simulated statistics >= and <= the observed.

    folded: GeoDa/esda ``(min(ge, lt) + 1)/(P + 1)`` - but with ties counted on
    both sides, so a statistic equal to all its simulations gets p = 1, not the
    smallest attainable p.  two-sided: twice the folded value, capped at 1.
    """
    P = float(permutations)
    ge = np.asarray(ge, dtype=float)
    le = np.asarray(le, dtype=float)
    if alternative == "greater":
        return (ge + 1) / (P + 1)
    if alternative == "less":
        return (le + 1) / (P + 1)
    folded = (np.minimum(ge, le) + 1) / (P + 1)
    if alternative == "folded":
        return folded
    if alternative == "two-sided":
        return np.minimum(1.0, 2 * folded)
    raise InputError(f"unknown alternative {alternative!r}; use one of {', '.join(ALTERNATIVES)}")


def _p_normal(z: np.ndarray, alternative: str) -> np.ndarray:
    z = np.asarray(z, dtype=float)
    if alternative == "greater":
        return ndtr(-z)
    if alternative == "less":
        return ndtr(z)
    if alternative == "folded":
        return ndtr(-np.abs(z))
    return 2 * ndtr(-np.abs(z))


def min_permutations(n_tests: int, alpha: float, alternative: str = ALTERNATIVE) -> int:
    """Smallest number of permutations whose smallest attainable pseudo p-value
    reaches the Bonferroni threshold ``alpha / n_tests``.

    Smallest pseudo p is ``1/(P+1)`` (one-sided, folded) or ``2/(P+1)``
    (two-sided); so ``P >= c * n_tests / alpha - 1``.
    """
    c = 2 if alternative == "two-sided" else 1
    return int(math.ceil(c * n_tests / alpha - 1 - 1e-9))


def fdr_bh(p: np.ndarray, alpha: float) -> np.ndarray:
    """Benjamini-Hochberg (1995) step-up: boolean array of rejected hypotheses.

    Reject the ``k`` smallest p-values, ``k = max{i : p_(i) <= i alpha / m}``.
    NaN p-values are not tested and count neither in ``m`` nor as rejected.
    """
    p = np.asarray(p, dtype=float)
    out = np.zeros(p.shape, dtype=bool)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m == 0:
        return out
    pv = p[ok]
    order = np.argsort(pv, kind="stable")
    below = pv[order] <= alpha * np.arange(1, m + 1) / m
    if below.any():
        kmax = np.nonzero(below)[0].max()
        rej = np.zeros(m, dtype=bool)
        rej[order[: kmax + 1]] = True
        out[np.nonzero(ok)[0]] = rej
    return out


def _flags(p: np.ndarray, alpha: float, n: int, cluster_on: str):
    """``(significant, sig_fdr, sig_bonferroni, flag deciding the cluster)``."""
    sig = p <= alpha
    fdr = fdr_bh(p, alpha)
    bonf = p <= alpha / n
    return sig, fdr, bonf, {"p": sig, "fdr": fdr, "bonferroni": bonf}[cluster_on]


def _warn_permutations(permutations: int, n: int, alpha: float, alternative: str) -> None:
    """Warn when no unit can pass Bonferroni with ``permutations`` permutations."""
    need = min_permutations(n, alpha, alternative)
    if permutations and permutations < need:
        warnings.warn(
            f"{permutations} permutations: the smallest attainable pseudo p is "
            f"{(2 if alternative == 'two-sided' else 1) / (permutations + 1):.2g}, above the "
            f"Bonferroni threshold {alpha}/{n} = {alpha / n:.2g}, so no unit can be significant "
            f"after Bonferroni (or the first FDR step); use at least {need} permutations",
            DataQualityWarning, stacklevel=3,
        )


# --------------------------------------------------------------------------- #
# array-level statistics
# --------------------------------------------------------------------------- #
def moran_global_arrays(
    y: np.ndarray, w: Weights, *, permutations: int = PERMUTATIONS, seed: int = SEED,
    alternative: str = ALTERNATIVE, quad_sims: np.ndarray | None = None, n_jobs: int = 1,
) -> dict:
    """Global Moran's I of ``y`` (aligned with ``w.ids``).

    Returns a dict with I, EI, VI/z/p under normality and randomisation,
    and (if ``permutations``) p_sim, EI_sim, seI_sim, z_sim.

    Notes
    -----
    ``I = n / S0 * (z' W z) / (z' z)``, ``z = y - mean(y)``;
    ``E[I] = -1/(n-1)``;
    ``V_N[I] = (n^2 S1 - n S2 + 3 S0^2) / ((n^2 - 1) S0^2) - E[I]^2``;
    ``V_R[I] = [n((n^2-3n+3) S1 - n S2 + 3 S0^2) - b2((n^2-n) S1 - 2n S2 + 6 S0^2)]
    / ((n-1)(n-2)(n-3) S0^2) - E[I]^2`` with kurtosis ``b2 = n sum z^4 / (sum z^2)^2``
    (Cliff & Ord 1981, eqs. 1.35-1.36; as in esda.Moran and GeoDa).
    The permutation test reshuffles ``y`` over all units with a private
    generator per batch of permutations, optionally in ``n_jobs`` processes
    (:func:`_global_quadratic_sims`; ``quad_sims`` passes precomputed
    ``z_pi' W z_pi`` values).
    """
    y = np.asarray(y, dtype=float)
    n = len(y)
    W = w.sparse
    z = y - y.mean()
    zz = float(z @ z)
    S0 = float(W.sum())
    Wt = W.T.tocsr()
    S1 = 0.5 * float((W + Wt).power(2).sum())
    S2 = float(((np.asarray(W.sum(axis=1)).ravel() + np.asarray(W.sum(axis=0)).ravel()) ** 2).sum())
    I = n / S0 * float(z @ (W @ z)) / zz
    EI = -1.0 / (n - 1)
    n2 = n * n
    VI_norm = (n2 * S1 - n * S2 + 3 * S0 ** 2) / ((n2 - 1) * S0 ** 2) - EI ** 2
    b2 = n * float((z ** 4).sum()) / zz ** 2
    A = n * ((n2 - 3 * n + 3) * S1 - n * S2 + 3 * S0 ** 2)
    B = b2 * ((n2 - n) * S1 - 2 * n * S2 + 6 * S0 ** 2)
    VI_rand = (A - B) / ((n - 1) * (n - 2) * (n - 3) * S0 ** 2) - EI ** 2 if n > 3 else np.nan
    z_norm = (I - EI) / math.sqrt(VI_norm)
    z_rand = (I - EI) / math.sqrt(VI_rand) if VI_rand > 0 else np.nan
    out = {
        "n": n, "I": I, "EI": EI, "VI_norm": VI_norm, "z_norm": z_norm,
        "p_norm": float(_p_normal(z_norm, alternative)), "VI_rand": VI_rand, "z_rand": z_rand,
        "p_rand": float(_p_normal(z_rand, alternative)), "S0": S0, "S1": S1, "S2": S2,
        "permutations": int(permutations),
    }
    if permutations:
        if quad_sims is None:
            quad_sims = _global_quadratic_sims(z[None, :], W, permutations, (int(seed), n, 1),
                                               n_jobs=n_jobs)[0]
        sims = (n / S0 / zz) * quad_sims
        tol = 1e-12 * max(1.0, abs(I))
        ge = int((sims >= I - tol).sum())
        le = int((sims <= I + tol).sum())
        sd = float(sims.std())
        out.update({
            "p_sim": float(_p_from_counts(ge, le, permutations, alternative)),
            "EI_sim": float(sims.mean()), "seI_sim": sd,
            "z_sim": (I - float(sims.mean())) / sd if sd > 0 else np.nan,
        })
    else:
        out.update({"p_sim": np.nan, "EI_sim": np.nan, "seI_sim": np.nan, "z_sim": np.nan})
    return out


_SHARED: dict = {}


def _sims_init(Zc: np.ndarray, U) -> None:
    _SHARED["Zc"], _SHARED["U"] = Zc, U


def _sims_batch(entropy: tuple, j: int, b: int, Zc=None, U=None) -> np.ndarray:
    """Quadratic forms for batch ``j`` of ``b`` permutations, from its own stream."""
    if Zc is None:
        Zc, U = _SHARED["Zc"], _SHARED["U"]
    T, n = Zc.shape
    rng = np.random.default_rng(np.random.SeedSequence(list(entropy) + [j]))
    out = np.empty((T, b))
    # row-wise shuffles of contiguous rows are ~2x faster than
    # Generator.permuted(axis=1); a shuffle of the values and a permutation of
    # the indices consume the same draws, so both branches agree
    if T == 1:
        Z = np.tile(Zc[0], (b, 1))
        for row in Z:
            rng.shuffle(row)
        Zs = [Z]
    else:
        idx = np.empty((b, n), dtype=np.int64)
        for r in range(b):
            idx[r] = rng.permutation(n)
        Zs = (Zc[t][idx] for t in range(T))
    for t, Z in enumerate(Zs):
        Zt = np.ascontiguousarray(Z.T)  # (n, b): CSR x dense with contiguous rows
        out[t] = np.einsum("ij,ij->j", Zt, U @ Zt)
    return out


def _global_quadratic_sims(Zc: np.ndarray, W, permutations: int, entropy: tuple,
                           n_jobs: int = 1, batch_bytes: int = 1 << 26) -> np.ndarray:
    """``z_pi' W z_pi`` for ``permutations`` random permutations ``pi`` of the units,
    for every row ``z`` of ``Zc`` (T x n, centred values), shape (T, P).

    The same permutations serve every row: generating a permutation costs
    ~15-30 ns per unit, gathering values with it ~1 ns, so a panel of T years
    costs little more than one year.  Each year's test is still exact; only
    the Monte Carlo errors of different years are correlated.  Permutations
    come in batches whose size depends only on ``n``; batch ``j`` draws from
    ``SeedSequence(entropy + (j,))``, so ``n_jobs`` worker processes give
    exactly the same result as one.
    """
    import scipy.sparse as sp

    T, n = Zc.shape
    # z' W z = z' U z with U = upper triangle of W + W' (half the products)
    U = sp.triu(W + W.T, k=1).tocsr()
    bsz = int(max(1, min(permutations, batch_bytes // (8 * 3 * max(n, 1)))))
    sizes = [min(bsz, permutations - s0) for s0 in range(0, permutations, bsz)]
    entropy = tuple(int(e) for e in entropy)
    if n_jobs > 1 and len(sizes) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=n_jobs, initializer=_sims_init,
                                 initargs=(Zc, U)) as ex:
            parts = list(ex.map(_sims_batch, [entropy] * len(sizes), range(len(sizes)), sizes))
    else:
        parts = [_sims_batch(entropy, j, b, Zc, U) for j, b in enumerate(sizes)]
    return np.concatenate(parts, axis=1)


def _draws(n: int, width: int, permutations: int, rng: np.random.Generator) -> np.ndarray:
    """``permutations`` rows of ``width`` distinct indices in ``range(n)``, uniformly.

    Small problems shuffle ``P`` copies of ``range(n)`` at once
    (``Generator.permuted``); large ``n`` draws each row with
    ``Generator.choice(replace=False)`` (Floyd's method, O(width) per row).
    The method depends only on ``(n, width, P)``, so results are reproducible.
    """
    if permutations * n <= 4_000_000:
        idx = np.broadcast_to(np.arange(n, dtype=np.int64), (permutations, n))
        return np.ascontiguousarray(rng.permuted(idx, axis=1)[:, :width])
    R = np.empty((permutations, width), dtype=np.int64)
    for p in range(permutations):
        R[p] = rng.choice(n, size=width, replace=False)
    return R


def _conditional_counts(
    z: np.ndarray, w: Weights, permutations: int, rng: np.random.Generator,
    chunk_bytes: int = 1 << 26,
) -> tuple[np.ndarray, np.ndarray]:
    """Counts of conditionally randomised local lags ``>=`` and ``<=`` the observed.

    For each permutation ``p`` one row ``R[p]`` of ``kmax + 1`` distinct random
    indices is drawn and shared by all locations (as in esda's ``crand``).
    Location ``i`` with ``k_i`` neighbours takes the values at ``R[p, :k_i]``,
    except that if ``i`` itself is among them it is replaced by
    ``R[p, k_i]``; this is a uniform draw of ``k_i`` distinct other units
    (each ordered ``k_i``-sequence without ``i`` arises from ``1 + k_i``
    equally likely ``(k_i+1)``-prefixes).

    Rows whose non-zero weights are all equal (row-standardised or binary
    contiguity / KNN) share the simulated sums ``T_k[p]`` of all locations
    with ``k`` neighbours, so the counts come from one sorted array per
    ``k`` by binary search, plus an exact correction for the ``P k``
    (permutation, location) pairs where ``i`` was drawn: ``O(n log P)``
    time and ``O(P kmax)`` memory.  Other rows (unequal weights, e.g. GWT)
    are done by chunked matrix products with the same draws.
    """
    S = w.sparse
    n = len(z)
    card = np.diff(S.indptr)
    kmax = int(card.max())
    if kmax + 1 > n:
        raise WeightsError(f"a unit has {kmax} neighbours among {n} units; cannot randomise")
    R = _draws(n, kmax + 1, permutations, rng)
    Zr = z[R]
    ge = np.zeros(n, dtype=np.int64)
    le = np.zeros(n, dtype=np.int64)
    # rows with all-equal weights
    rmax = np.maximum.reduceat(S.data, S.indptr[:-1]) if S.nnz else np.zeros(n)
    rmin = np.minimum.reduceat(S.data, S.indptr[:-1]) if S.nnz else np.zeros(n)
    fast = np.isclose(rmax, rmin, rtol=1e-12, atol=0)
    # observed neighbour sums (unit weights) for the fast rows
    pattern = S.copy()
    pattern.data = np.ones_like(pattern.data)
    t_obs = pattern @ z
    scale_z = float(np.abs(z).max()) if n else 1.0
    cums = np.cumsum(Zr[:, :kmax], axis=1)
    for k in np.unique(card[fast]):
        k = int(k)
        rows = np.nonzero(fast & (card == k))[0]
        tol = 1e-9 * scale_z * k
        Tk = cums[:, k - 1]
        Ts = np.sort(Tk)
        t = t_obs[rows]
        ge[rows] = permutations - np.searchsorted(Ts, t - tol, side="left")
        le[rows] = np.searchsorted(Ts, t + tol, side="right")
        Rk = R[:, :k]
        hit = fast[Rk] & (card[Rk] == k)
        pp, cc = np.nonzero(hit)
        if len(pp):
            ii = Rk[pp, cc]
            old = Tk[pp]
            new = old - z[ii] + Zr[pp, k]
            ti = t_obs[ii]
            dge = (new >= ti - tol).astype(np.int64) - (old >= ti - tol)
            dle = (new <= ti + tol).astype(np.int64) - (old <= ti + tol)
            np.add.at(ge, ii, dge)
            np.add.at(le, ii, dle)
    slow = np.nonzero(~fast)[0]
    if len(slow):
        lag_obs = S @ z
        nc = int(max(1, chunk_bytes // (8 * permutations * 2)))
        local = np.full(n, -1, dtype=np.int64)
        for s0 in range(0, len(slow), nc):
            rows = slow[s0:s0 + nc]
            m = len(rows)
            Wd = np.zeros((m, kmax))
            for r, i in enumerate(rows):
                a, b = S.indptr[i], S.indptr[i + 1]
                Wd[r, : b - a] = S.data[a:b]
            sims = Zr[:, :kmax] @ Wd.T  # (P, m)
            local[rows] = np.arange(m)
            Rk = R[:, :kmax]
            li = local[Rk]
            cidx = np.broadcast_to(np.arange(kmax), Rk.shape)
            hit = (li >= 0) & (cidx < card[np.where(li >= 0, Rk, 0)])
            pp, cc = np.nonzero(hit)
            if len(pp):
                ii = Rk[pp, cc]
                loc = local[ii]
                sims[pp, loc] += Wd[loc, cc] * (Zr[pp, card[ii]] - z[ii])
            local[rows] = -1
            obs = lag_obs[rows]
            tol = 1e-9 * scale_z * np.abs(Wd).sum(axis=1)
            ge[rows] = (sims >= obs - tol).sum(axis=0)
            le[rows] = (sims <= obs + tol).sum(axis=0)
    return ge, le


def moran_local_arrays(
    y: np.ndarray, w: Weights, *, permutations: int = PERMUTATIONS, rng: np.random.Generator | None = None,
    alternative: str = ALTERNATIVE,
) -> dict:
    """Local Moran's I (Anselin 1995) of ``y`` aligned with ``w.ids``.

    Returns a dict of arrays: ``z``, ``lag`` (``W z``), ``I``, ``q`` (1 HH,
    2 LH, 3 LL, 4 HL, 0 undefined when ``z`` or its lag is exactly 0),
    ``p_sim`` (NaN if no permutations), ``n_neighbors``.

    Notes
    -----
    ``z = (y - mean) / sd`` (population sd), ``I_i = (n-1) z_i (W z)_i / sum_j z_j^2``,
    the definition of esda.Moran_Local.  For location ``i`` with ``z_i > 0``,
    ``I_sim >= I_i`` iff the simulated lag is ``>=`` the observed lag
    (reversed for ``z_i < 0``), so counts of lags give the pseudo p-values.
    """
    y = np.asarray(y, dtype=float)
    n = len(y)
    sd = y.std()
    z = (y - y.mean()) / sd
    lag = w.sparse @ z
    I = (n - 1) * z * lag / float(z @ z)
    out = {"z": z, "lag": lag, "I": I, "q": _quadrants(z, lag), "n_neighbors": np.diff(w.sparse.indptr)}
    _local_p(out, z, w, permutations, rng, alternative)
    return out


ANALYTIC_NULLS = ("conditional", "total")


def local_moran_moments(z: np.ndarray, w: Weights, null: str = "conditional") -> dict:
    """Analytic ``E[I_i]``, ``Var[I_i]`` of local Moran under randomisation,
    in our (esda/GeoDa) scaling ``I_i = (n-1) z_i (W z)_i / sum z^2``.

    Parameters
    ----------
    z : array
        Centred values (any scale).
    null : {"conditional", "total"}
        ``"conditional"``: the unit's value fixed, the others permuted
        (Sokal et al. 1998 eqs. A7-A8; spdep ``localmoran(conditional=TRUE)``,
        its default since 1.1-7, and esda's ``EIc``/``VIc``).  ``"total"``:
        all values permuted (Anselin 1995 / Sokal 1998 eqs. A3-A4*;
        spdep ``conditional=FALSE``, esda ``EI``/``VI``).

    Returns
    -------
    dict
        ``EI``, ``VI``, ``z`` (``(I_i - E)/sqrt(V)``), ``scale`` (``n/(n-1)``).

    Notes
    -----
    spdep's ``I_i = z_i (W z)_i / m2`` with ``m2 = sum z^2 / n`` is ``n/(n-1)``
    times ours; its moments are for its scaling, so ours are its ``E`` times
    ``(n-1)/n`` and its ``Var`` times ``((n-1)/n)^2``; the z-scores are the
    same.  esda 2.8 reports spdep-scaled ``EI``/``VI`` beside its
    ``(n-1)``-scaled ``Is`` (checked in tests/test_autocorr.py), so
    ``(Is - EI)/sqrt(VI)`` from esda is not the spdep z.  With ``Wi = sum_j
    w_ij``, ``Wi2 = sum_j w_ij^2``, ``b2 = (sum z^4/n)/m2^2`` (spdep scaling):
    conditional ``E = -z_i^2 Wi / ((n-1) m2)``, ``V = (z_i/m2)^2 n/(n-2)
    (Wi2 - Wi^2/(n-1)) (m2 - z_i^2/(n-1))``; total ``E = -Wi/(n-1)``,
    ``V = Wi2 (n-b2)/(n-1) + (Wi^2-Wi2)(2 b2-n)/((n-1)(n-2)) - E^2``.
    """
    if null not in ANALYTIC_NULLS:
        raise InputError(f"analytic null must be one of {', '.join(ANALYTIC_NULLS)}, got {null!r}")
    z = np.asarray(z, dtype=float)
    n = len(z)
    S = w.sparse
    Wi = np.asarray(S.sum(axis=1)).ravel()
    Wi2 = np.asarray(S.multiply(S).sum(axis=1)).ravel()
    m2 = float(z @ z) / n
    I_sp = z * (S @ z) / m2
    if null == "conditional":
        E = -(z ** 2 * Wi) / ((n - 1) * m2)
        V = (z / m2) ** 2 * (n / (n - 2)) * (Wi2 - Wi ** 2 / (n - 1)) * (m2 - z ** 2 / (n - 1))
    else:
        b2 = (float((z ** 4).sum()) / n) / m2 ** 2
        E = -Wi / (n - 1)
        V = Wi2 * (n - b2) / (n - 1) + (Wi ** 2 - Wi2) * (2 * b2 - n) / ((n - 1) * (n - 2)) - E ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        zz = np.where(V > 0, (I_sp - E) / np.sqrt(V), np.nan)
    c = (n - 1) / n
    return {"EI": E * c, "VI": V * c * c, "z": zz, "scale": 1 / c}


def moran_bv_global_arrays(
    x: np.ndarray, y: np.ndarray, w: Weights, *, permutations: int = PERMUTATIONS,
    seed: int = SEED, alternative: str = ALTERNATIVE, key: int = 0,
) -> dict:
    """Global bivariate Moran's I of ``x`` with the spatial lag of ``y``.

    ``I_B = n/S0 * (z_x' W z_y) / (z_x' z_x)`` with standardised ``z_x``,
    ``z_y`` (esda.Moran_BV; GeoDa's bivariate Moran scatter plot slope for
    row-standardised weights).  Inference by permuting ``y`` over the units
    (esda, GeoDa); ``z_x' W z_y(pi) = (W' z_x) . z_y(pi)`` so each
    permutation costs one gather and one dot product.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(x)
    W = w.sparse
    zx = (x - x.mean()) / x.std()
    zy = (y - y.mean()) / y.std()
    S0 = float(W.sum())
    c = n / S0 / float(zx @ zx)
    I = c * float(zx @ (W @ zy))
    out = {"n": n, "I": I, "permutations": int(permutations)}
    if permutations:
        a = W.T @ zx
        rng = _rng(seed, key, 5)
        bsz = int(max(1, min(permutations, (1 << 25) // (8 * max(n, 1)))))
        sims = np.empty(permutations)
        for s0 in range(0, permutations, bsz):
            b = min(bsz, permutations - s0)
            R = _draws(n, n, b, rng)
            sims[s0:s0 + b] = zy[R] @ a
        sims *= c
        tol = 1e-12 * max(1.0, abs(I))
        ge = int((sims >= I - tol).sum())
        le = int((sims <= I + tol).sum())
        sd = float(sims.std())
        out.update({"p_sim": float(_p_from_counts(ge, le, permutations, alternative)),
                    "EI_sim": float(sims.mean()), "seI_sim": sd,
                    "z_sim": (I - float(sims.mean())) / sd if sd > 0 else np.nan})
    else:
        out.update({"p_sim": np.nan, "EI_sim": np.nan, "seI_sim": np.nan, "z_sim": np.nan})
    return out


def moran_local_bv_arrays(
    x: np.ndarray, y: np.ndarray, w: Weights, *, permutations: int = PERMUTATIONS,
    rng: np.random.Generator | None = None, alternative: str = ALTERNATIVE,
) -> dict:
    """Bivariate local Moran (GeoDa): ``x`` at ``i`` with the lag of ``y``.

    ``I_i = (n-1) z_x,i (W z_y)_i / sum_j z_x,j^2`` with population-sd z
    (= GeoDa's product of sample-sd z-scores; pygeoda ``local_bimoran``
    values to 1e-12 in the tests).  Conditional randomisation: ``x_i``
    fixed, the neighbours' ``y`` drawn from the other units.  Keys as
    :func:`moran_local_arrays` (``z`` is ``z_x``, ``lag`` is ``W z_y``).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(x)
    zx = (x - x.mean()) / x.std()
    zy = (y - y.mean()) / y.std()
    lag = w.sparse @ zy
    I = (n - 1) * zx * lag / float(zx @ zx)
    out = {"z": zx, "lag": lag, "I": I, "q": _quadrants(zx, lag),
           "n_neighbors": np.diff(w.sparse.indptr)}
    _local_p(out, zy, w, permutations, rng, alternative)
    return out


def _quadrants(z: np.ndarray, lag: np.ndarray) -> np.ndarray:
    q = np.zeros(len(z), dtype=np.int64)
    q[(z > 0) & (lag > 0)] = 1
    q[(z < 0) & (lag > 0)] = 2
    q[(z < 0) & (lag < 0)] = 3
    q[(z > 0) & (lag < 0)] = 4
    return q


def _local_p(out: dict, zlag: np.ndarray, w: Weights, permutations: int, rng, alternative: str) -> None:
    """Pseudo p of ``out["I"]`` by conditional randomisation of the lagged values."""
    z = out["z"]
    if permutations:
        rng = rng if rng is not None else np.random.default_rng(0)
        ge_lag, le_lag = _conditional_counts(zlag, w, permutations, rng)
        # I_sim >= I_obs  <=>  lag_sim >= lag (z > 0) or lag_sim <= lag (z < 0)
        ge = np.where(z > 0, ge_lag, np.where(z < 0, le_lag, permutations))
        le = np.where(z > 0, le_lag, np.where(z < 0, ge_lag, permutations))
        out["p_sim"] = _p_from_counts(ge, le, permutations, alternative)
        out["count_ge"], out["count_le"] = ge, le
    else:
        out["p_sim"] = np.full(len(z), np.nan)


# --------------------------------------------------------------------------- #
# table handling
# --------------------------------------------------------------------------- #
def _panel(df: pd.DataFrame, w: Weights, column: str, id_col: str, year_col: str | None,
           stat: str = "Moran's I"):
    """Validate a long table and return (years, has_year, Y (T x n_kept), wide table).

    ``stat`` names the statistic in the error messages."""
    if not isinstance(df, pd.DataFrame):
        raise InputError("the data must be a pandas DataFrame (long format: id, [year], value)")
    for c in (id_col, column):
        if c not in df.columns:
            raise InputError(f"table has no column {c!r}; choose one of its columns: "
                             f"{', '.join(map(str, df.columns))}")
    vals = df[column]
    if pd.api.types.is_bool_dtype(vals) or not pd.api.types.is_numeric_dtype(vals):
        raise InputError(
            f"column {column!r} is not numeric (dtype {vals.dtype}); "
            "convert it (e.g. remove thousands separators or units) before the analysis"
        )
    ids = normalise_ids(df[id_col], regions=w.region_ids, where=f"table column {id_col!r}")
    ids = _match_id_type(ids, w.ids)
    has_year = year_col is not None and year_col in df.columns
    if has_year:
        yv = df[year_col]
        if yv.isna().any():
            raise MissingDataError(f"{int(yv.isna().sum())} row(s) have no {year_col!r}")
        years_all = yv.to_numpy()
    else:
        years_all = np.zeros(len(df), dtype=np.int64)
    t = pd.DataFrame({"id": ids, "year": years_all, "v": vals.to_numpy(dtype=float, na_value=np.nan)})
    dup = t.duplicated(["id", "year"], keep=False)
    if dup.any():
        ex = t.loc[dup, ["id", "year"]].drop_duplicates().head(10).values.tolist()
        raise DuplicateRowError(
            f"{int(dup.sum())} rows repeat an id{'-year' if has_year else ''}: {ex}; "
            "each id must appear once per year"
        )
    _same_ids(np.asarray(list(w.all_ids), dtype=object),
              np.asarray(list(set(ids.tolist())), dtype=object), "zones", "table")
    years = sorted(pd.unique(t["year"]).tolist())
    kept = list(w.ids.tolist())
    wide = t.pivot(index="year", columns="id", values="v").reindex(index=years, columns=list(w.all_ids))
    # dropped islands are reported, not analysed: their values may be missing
    missing_cells = wide[kept].isna()
    if missing_cells.to_numpy().any():
        present = t.set_index(["year", "id"]).index
        miss = [(yy, ii) for yy in years for ii in kept if (yy, ii) not in present]
        nan_rows = t[t["v"].isna() & t["id"].isin(kept)][["id", "year"]].values.tolist()
        parts = []
        if miss:
            parts.append(f"{len(miss)} id-year(s) absent" + (f", e.g. {[(i, y) for y, i in miss[:10]]}"
                                                         if has_year else f": {[i for _, i in miss[:10]]}"))
        if nan_rows:
            parts.append(f"{len(nan_rows)} empty value(s) in {column!r}, e.g. {show(nan_rows)}")
        raise MissingDataError(
            "; ".join(parts) + f". {stat} needs a value for every unit; fill or impute them, "
            "or remove the units from both the table and the zones"
        )
    Y = wide[kept].to_numpy(dtype=float)
    if not np.isfinite(Y).all():
        raise InputError(f"column {column!r} holds infinite values")
    const = [yy for yy, row in zip(years, Y) if np.ptp(row) == 0]
    if const:
        raise InputError(
            f"column {column!r} has the same value for every unit in year(s) {show(list(const))}; "
            f"{stat} is undefined for constant data; choose another column or drop those years"
        )
    return years, has_year, Y, wide


def _match_id_type(ids: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Integer codes read as text on one side and as numbers on the other
    (``"110101"`` vs ``110101``) are the same id."""
    if ref.dtype == object and ids.dtype != object:
        return ids.astype(str).astype(object)
    if ref.dtype != object and ids.dtype == object:
        s = pd.Series(ids, dtype=object).astype(str)
        if s.str.fullmatch(r"-?\d+").all() and not s.str.match(r"-?0\d").any():
            return s.astype("int64").to_numpy()
    return ids


def _year_key(year, pos: int) -> int:
    try:
        f = float(year)
        if f.is_integer() and f >= 0:
            return int(f)
    except (TypeError, ValueError):
        pass
    return 10_000_000 + pos


def _id_frame(w: Weights, ids: Iterable, id_col: str) -> pd.DataFrame:
    ids = list(ids)
    if w.region_ids:
        return pd.DataFrame({"region_code": np.asarray(ids, dtype="int64"),
                             "region": _regions.names(ids).to_numpy()})
    return pd.DataFrame({id_col: ids})


def _check_alt(alternative: str) -> None:
    if alternative not in ALTERNATIVES:
        raise InputError(f"unknown alternative {alternative!r}; use one of {', '.join(ALTERNATIVES)}")


def _check_perm(permutations) -> int:
    try:
        p = int(permutations)
    except (TypeError, ValueError):
        raise InputError(f"permutations must be an integer, got {permutations!r}") from None
    if p < 0:
        raise InputError("permutations must be >= 0")
    return p


# --------------------------------------------------------------------------- #
# public API
# --------------------------------------------------------------------------- #
def global_moran(
    df: pd.DataFrame,
    w: Weights,
    column: str,
    *,
    id_col: str,
    year_col: str | None = "year",
    permutations: int = PERMUTATIONS,
    seed: int = SEED,
    alternative: str = ALTERNATIVE,
    n_jobs: int | None = None,
    with_column: str | None = None,
) -> pd.DataFrame:
    """Global Moran's I of ``column`` per year (bivariate with ``with_column``).

    Parameters
    ----------
    df : DataFrame
        Long table: ``id_col``, optional ``year_col``, ``column`` (numeric,
        any unit; Moran's I is unit-free).  Not modified.
    w : Weights
        From :func:`spatial_carbon.spatial.weights.build`; its ids (including
        dropped islands) must equal the table's ids.
    permutations : int
        Random permutations for the pseudo p-value (0: none).
    seed : int
        Seed.  The permutations are drawn from a stream derived from
        ``(seed, n)`` and shared by all years, so a year's result does not
        depend on which other years are in the table.
    alternative : {"folded", "two-sided", "greater", "less"}
        For ``p_norm``, ``p_rand`` and ``p_sim``.  ``"folded"`` (default,
        :data:`spatial_carbon.defaults.ALTERNATIVE`) is GeoDa's and esda's
        pseudo p (the tail on the observed side, not doubled); ``"two-sided"``
        doubles it.
    n_jobs : int, optional
        Worker processes for the permutations; default: every core from
        10^5 units on (where it pays for the process start-up), else one.
        The result is identical for any ``n_jobs``.
    with_column : str, optional
        Bivariate Moran's I of ``column`` with the spatial lag of
        ``with_column`` (:func:`moran_bv_global_arrays`): columns ``year``,
        ``variable``, ``with``, ``n``, ``I``, ``p_sim``, ``EI_sim``,
        ``seI_sim``, ``z_sim``, ``permutations`` and the weights columns (no
        analytic moments).

    Returns
    -------
    DataFrame
        One row per year: ``year``, ``variable``, ``n``, ``I``, ``EI``,
        ``VI_norm``, ``z_norm``, ``p_norm``, ``VI_rand``, ``z_rand``,
        ``p_rand``, ``p_sim``, ``EI_sim``, ``seI_sim``, ``z_sim``,
        ``permutations``, ``alternative``, ``seed``, ``weights``,
        ``n_islands``, ``island_policy``, ``n_components`` (the full
        connectivity report is ``w.report``).

    Raises
    ------
    InputError, MissingDataError, DuplicateRowError, WeightsError
        Non-numeric or constant column, missing or duplicate id-years, ids
        on one side only.

    Notes
    -----
    Formulas in :func:`moran_global_arrays`.  Validated against R spdep's
    ``moran.test`` on Columbus CRIME with row-standardised queen weights
    (I = 0.500188557, E[I] = -0.020833333, z = 5.5894) and against esda.Moran.
    """
    _check_alt(alternative)
    permutations = _check_perm(permutations)
    _rng(seed, 0, 0)  # validates the seed
    stat = "bivariate Moran's I" if with_column is not None else "Moran's I"
    years, has_year, Y, _ = _panel(df, w, column, id_col, year_col, stat=stat)
    quad = None
    if with_column is not None:
        _, _, Y2, _ = _panel(df, w, with_column, id_col, year_col, stat=stat)
        rows = [{"year": yy, "variable": column, "with": with_column,
                 **moran_bv_global_arrays(y, Y2[pos], w, permutations=permutations, seed=seed,
                                          alternative=alternative, key=_year_key(yy, pos))}
                for pos, (yy, y) in enumerate(zip(years, Y))]
        out = pd.DataFrame(rows)
    elif permutations:
        # one permutation stream per (seed, n), shared by all years (see
        # _global_quadratic_sims): a year's result does not depend on the others
        Zc = Y - Y.mean(axis=1, keepdims=True)
        if n_jobs is None:
            n_jobs = (os.cpu_count() or 1) if w.n >= 100_000 else 1
        quad = _global_quadratic_sims(Zc, w.sparse, permutations, (int(seed), w.n, 1),
                                      n_jobs=int(n_jobs))
    if with_column is None:
        rows = []
        for pos, (yy, y) in enumerate(zip(years, Y)):
            r = moran_global_arrays(y, w, permutations=permutations, alternative=alternative,
                                    quad_sims=None if quad is None else quad[pos])
            r = {"year": yy, "variable": column, **r}
            rows.append(r)
        out = pd.DataFrame(rows).drop(columns=["S0", "S1", "S2"])
    if not has_year:
        out = out.drop(columns="year")
    rep = w.report
    out["alternative"] = alternative
    out["seed"] = int(seed)
    out["weights"] = f"{w.kind}/{w.transform}"
    out["n_islands"] = len(rep.islands)
    out["island_policy"] = rep.island_policy
    out["n_components"] = rep.n_components
    return out


def local_moran(
    df: pd.DataFrame,
    w: Weights,
    column: str,
    *,
    id_col: str,
    year_col: str | None = "year",
    permutations: int = PERMUTATIONS,
    seed: int = SEED,
    alpha: float = ALPHA,
    alternative: str = ALTERNATIVE,
    cluster_on: str = "p",
    with_column: str | None = None,
    inference: str = "permutation",
    analytic_null: str = "conditional",
) -> pd.DataFrame:
    """Local Moran's I (LISA) of ``column`` per id and year, with GeoDa cluster codes.

    Parameters
    ----------
    df, w, column, id_col, year_col, permutations, seed, alternative
        As in :func:`global_moran`; the pseudo p is from conditional
        randomisation (the unit's own value fixed, the others permuted).
    alpha : float
        Significance level for ``significant`` and the cluster map.
    cluster_on : {"p", "fdr", "bonferroni"}
        Which significance flag decides whether a unit gets a cluster code
        (default ``"p"``, GeoDa's map).
    with_column : str, optional
        Bivariate LISA (GeoDa): ``column`` at the unit with the spatial lag
        of ``with_column`` (:func:`moran_local_bv_arrays`).
    inference : {"permutation", "analytic"}
        Which p-value the flags and the cluster code use: ``p_sim``
        (permutations, GeoDa's map) or ``p_rand`` (analytic, spdep's
        ``localmoran``).  Both are always in the table (``p_rand`` only for
        the univariate LISA); ``cluster_basis`` says which decided.
    analytic_null : {"conditional", "total"}
        Randomisation null of ``EI_rand``, ``VI_rand``, ``z_rand``, ``p_rand``
        (:func:`local_moran_moments`).

    Returns
    -------
    DataFrame
        One row per id and year: id columns (``region_code``, ``region`` for
        Chinese regions, else ``id_col``), ``year``, ``variable``, ``value``,
        (bivariate: ``with``, ``value_with``), ``z``, ``lag`` (bivariate:
        ``lag_with``, the lag of the standardised ``with_column``), ``I``,
        ``quadrant`` (1 HH, 2 LH, 3 LL, 4 HL, 0 undefined), ``quadrant_label``,
        ``EI_rand``, ``VI_rand``, ``z_rand``, ``p_rand`` (analytic, our scaling
        of ``I``; NaN for the bivariate LISA), ``p_sim``, ``significant``,
        ``sig_fdr`` (Benjamini-Hochberg at ``alpha`` within the year),
        ``sig_bonferroni`` (``p <= alpha / n``), ``significance``
        (``"0.001"``, ``"0.01"``, ``"0.05"`` or ``"ns"``), ``cluster``
        (GeoDa: 0 not significant, 1 HH, 2 LL, 3 LH, 4 HL, 5 undefined, 6
        isolated), ``cluster_label``, ``cluster_basis``, ``n_neighbors``,
        ``permutations``, ``alternative``, ``seed``.  Units dropped by
        ``islands="drop"`` are rows with cluster 6 and NaN statistics.

    Warns
    -----
    DataQualityWarning
        If the smallest attainable pseudo p (``1/(P+1)``, two-sided
        ``2/(P+1)``) is above ``alpha / n``: then no unit can pass the
        Bonferroni correction, and FDR can reject nothing either.

    Notes
    -----
    ``I_i = (n-1) z_i sum_j w_ij z_j / sum_j z_j^2`` (Anselin 1995, eq. 7 as
    in esda.Moran_Local and GeoDa).  Counting and sampling in
    :func:`_conditional_counts`; analytic moments in :func:`local_moran_moments`.
    """
    _check_alt(alternative)
    permutations = _check_perm(permutations)
    if not 0 < alpha < 1:
        raise InputError(f"alpha must be between 0 and 1, got {alpha}")
    if cluster_on not in ("p", "fdr", "bonferroni"):
        raise InputError(f"cluster_on must be 'p', 'fdr' or 'bonferroni', got {cluster_on!r}")
    if inference not in ("permutation", "analytic"):
        raise InputError(f"inference must be 'permutation' or 'analytic', got {inference!r}")
    if analytic_null not in ANALYTIC_NULLS:
        raise InputError(f"analytic_null must be one of {', '.join(ANALYTIC_NULLS)}, got {analytic_null!r}")
    bivariate = with_column is not None
    if bivariate and inference == "analytic":
        raise InputError("the bivariate LISA has no analytic inference here; use inference='permutation'")
    if inference == "permutation" and permutations == 0:
        inference_p = None
    else:
        inference_p = "p_sim" if inference == "permutation" else "p_rand"
    stat = "bivariate local Moran" if bivariate else "local Moran"
    years, has_year, Y, wide = _panel(df, w, column, id_col, year_col, stat=stat)
    if bivariate:
        _, _, Y2, wide2 = _panel(df, w, with_column, id_col, year_col, stat=stat)
    n = w.n
    if inference == "permutation":
        _warn_permutations(permutations, n, alpha, alternative)
    corr = {"p": "", "fdr": ", Benjamini-Hochberg FDR", "bonferroni": f", Bonferroni (alpha/{n})"}[cluster_on]
    if inference_p is None:
        basis = "no permutations: quadrant only"
    elif inference_p == "p_sim":
        basis = f"p_sim <= {alpha:g}{corr} ({permutations} permutations, {alternative})"
    else:
        basis = f"p_rand <= {alpha:g}{corr} (analytic, {analytic_null} randomisation, {alternative})"
    frames = []
    for pos, (yy, y) in enumerate(zip(years, Y)):
        rng = _rng(seed, _year_key(yy, pos), 6 if bivariate else 2)
        if bivariate:
            r = moran_local_bv_arrays(y, Y2[pos], w, permutations=permutations, rng=rng,
                                      alternative=alternative)
            mom = {k: np.full(n, np.nan) for k in ("EI", "VI", "z")}
        else:
            r = moran_local_arrays(y, w, permutations=permutations, rng=rng, alternative=alternative)
            mom = local_moran_moments(r["z"], w, analytic_null)
        p_norm = _p_normal(mom["z"], alternative)
        p = r["p_sim"] if inference_p != "p_rand" else p_norm
        sig, fdr, bonf, flag = _flags(p, alpha, n, cluster_on)
        cluster = np.where(flag, _Q_TO_CLUSTER[r["q"]], 0)
        cluster = np.where(r["q"] == 0, 5, cluster)
        level = np.full(n, "ns", dtype=object)
        for a in SIGNIFICANCE_LEVELS:
            level[p <= a] = f"{a:g}"
        f = _id_frame(w, w.ids.tolist(), id_col)
        f.insert(len(f.columns), "year", yy)
        f["variable"] = column
        f["value"] = y
        if bivariate:
            f["with"] = with_column
            f["value_with"] = Y2[pos]
        f["z"] = r["z"]
        f["lag_with" if bivariate else "lag"] = r["lag"]
        f["I"] = r["I"]
        f["quadrant"] = r["q"]
        # analytic randomisation inference (spdep localmoran), named as global Moran's
        f["EI_rand"] = mom["EI"]
        f["VI_rand"] = mom["VI"]
        f["z_rand"] = mom["z"]
        f["p_rand"] = p_norm
        f["p_sim"] = r["p_sim"]
        f["significant"] = sig
        f["sig_fdr"] = fdr
        f["sig_bonferroni"] = bonf
        f["significance"] = level if inference_p else "n/a"
        f["cluster"] = cluster
        f["n_neighbors"] = r["n_neighbors"]
        if w.dropped:
            g = _id_frame(w, list(w.dropped), id_col)
            g.insert(len(g.columns), "year", yy)
            g["variable"] = column
            g["value"] = wide.loc[yy, list(w.dropped)].to_numpy(dtype=float)
            if bivariate:
                g["with"] = with_column
                g["value_with"] = wide2.loc[yy, list(w.dropped)].to_numpy(dtype=float)
            g["quadrant"] = 0
            g["significant"] = False
            g["sig_fdr"] = False
            g["sig_bonferroni"] = False
            g["significance"] = "isolated"
            g["cluster"] = 6
            g["n_neighbors"] = 0
            f = pd.concat([f, g], ignore_index=True)
        frames.append(f)
    out = pd.concat(frames, ignore_index=True)
    out["quadrant_label"] = out["quadrant"].map(QUADRANT_LABELS)
    out["cluster_label"] = out["cluster"].map(CLUSTER_LABELS)
    out["cluster_basis"] = basis
    out["permutations"] = permutations
    out["alternative"] = alternative
    out["seed"] = int(seed)
    if not has_year:
        out = out.drop(columns="year")
    cols = [c for c in out.columns if c not in ("quadrant_label", "cluster_label", "cluster_basis")]
    cols.insert(cols.index("quadrant") + 1, "quadrant_label")
    cols.insert(cols.index("cluster") + 1, "cluster_label")
    cols.insert(cols.index("cluster_label") + 1, "cluster_basis")
    out = out[cols]
    return out


# convenience: the space-time step lives in its own module
from .transitions import lisa_transitions  # noqa: E402

__all__ += ["lisa_transitions"]
