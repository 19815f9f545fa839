"""Hot spots: Getis-Ord local G and G* with analytic and permutation inference.

Per unit and year: the statistic G_i (or G*_i), its analytic z-score (Getis &
Ord 1992; Ord & Getis 1995), the two-sided normal p-value behind ArcGIS's
"Hot Spot Analysis" confidence bins (``gi_bin`` -3..3), a seeded
conditional-randomisation pseudo p-value (as GeoDa), FDR and Bonferroni
flags and GeoDa's G cluster codes.

Why our own code: pygeoda (libgeoda) draws permutations from its own
generator and runs only on its own weights objects; esda's ``G_Local``
compiles numba code at every process start and its analytic variance
assumes binary weights (with row-standardised weights its ``Zs`` is not the
Ord-Getis z).  Both are used as references in ``tests/test_hotspots.py``:
G values equal pygeoda's ``local_g``/``local_gstar`` (row-standardised
weights) to 1e-12, z-scores equal esda's ``Zs`` for binary weights and the
formulas of spdep's ``localG`` (R/localG.R, implemented independently in the
test) for any weights.  The permutation counts reuse the O(n log P)
conditional randomisation of :mod:`~spatial_carbon.spatial.autocorr`.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.special import ndtr

from ..defaults import ALPHA, ALTERNATIVE, PERMUTATIONS, SEED
from ..errors import DataQualityWarning, InputError
from . import autocorr as _ac
from .weights import Weights

__all__ = ["GI_BIN_LABELS", "G_CLUSTER_LABELS", "gi_bin", "local_g", "local_g_arrays",
           "star_weights"]

#: GeoDa's cluster codes of the local G / G* map.
G_CLUSTER_LABELS = {0: "Not significant", 1: "High", 2: "Low", 3: "Undefined", 4: "Isolated"}
#: ArcGIS Hot Spot Analysis confidence bins (field ``Gi_Bin``).
GI_BIN_LABELS = {
    -3: "Cold spot - 99% confidence", -2: "Cold spot - 95% confidence",
    -1: "Cold spot - 90% confidence", 0: "Not significant",
    1: "Hot spot - 90% confidence", 2: "Hot spot - 95% confidence", 3: "Hot spot - 99% confidence",
}
_BIN_LEVELS = ((3, 0.01), (2, 0.05), (1, 0.10))


def star_weights(w: Weights) -> Weights:
    """The weights of G*: each unit becomes its own neighbour with weight 1 in
    the untransformed matrix, then the transform of ``w`` is applied again.

    Row-standardised contiguity/KNN weights therefore give every member of
    ``{i} + N(i)`` the weight ``1/(k_i+1)`` (GeoDa's and esda's G*); binary
    weights get ``w_ii = 1`` (ArcGIS's fixed-distance and contiguity G*;
    spdep ``include.self``).  For weights read from a GWT file the self weight
    is also 1, in the file's units.
    """
    B = w.binary.tocsr().astype(float)
    B = (B - sp.diags(B.diagonal()) + sp.identity(w.n, format="csr")).tocsr()
    if w.transform == "r":
        rs = np.asarray(B.sum(axis=1)).ravel()
        S = sp.diags(1.0 / rs) @ B
    else:
        S = B
    S = sp.csr_matrix(S)
    S.sort_indices()
    B.sort_indices()
    return dataclasses.replace(w, sparse=S, binary=B)


def gi_bin(z: np.ndarray, p: np.ndarray | None = None, *, fdr: bool = False) -> np.ndarray:
    """ArcGIS's ``Gi_Bin``: +-3, +-2, +-1 for hot (z > 0) or cold (z < 0) spots
    at 99, 95 and 90 % confidence, 0 otherwise.

    Parameters
    ----------
    z : array
        z-scores (their sign says hot or cold).
    p : array, optional
        p-values deciding the confidence (default: two-sided normal p of
        ``z``, as ArcGIS).
    fdr : bool
        Apply the Benjamini-Hochberg correction at each confidence level
        (ArcGIS's "Apply False Discovery Rate (FDR) Correction").
    """
    z = np.asarray(z, dtype=float)
    p = 2 * ndtr(-np.abs(z)) if p is None else np.asarray(p, dtype=float)
    out = np.zeros(z.shape, dtype=np.int64)
    for b, a in reversed(_BIN_LEVELS):  # 90 % first, overwritten by stricter levels
        ok = _ac.fdr_bh(p, a) if fdr else (p <= a)
        out[ok] = b
    return np.where(z < 0, -out, np.where(z > 0, out, 0))


def local_g_arrays(
    y: np.ndarray, w: Weights, *, star: bool = True, permutations: int = PERMUTATIONS,
    rng: np.random.Generator | None = None, alternative: str = ALTERNATIVE,
) -> dict:
    """Local G (``star=False``) or G* of ``y`` aligned with ``w.ids``.

    Returns a dict of arrays: ``G``, ``EG``, ``VG`` (moments of G), ``z``
    (Ord-Getis z), ``lag`` (``sum_j w_ij y_j`` with the G or G* weights),
    ``p_sim`` (NaN without permutations), ``count_ge``/``count_le`` (simulated
    lags ``>=``/``<=`` the observed), ``n_neighbors``.

    Notes
    -----
    With ``W_i = sum_j w_ij`` and ``S1_i = sum_j w_ij^2`` (over ``j != i`` for
    G, over all ``j`` with the self weight for G*):

    G:  ``G_i = sum_{j!=i} w_ij y_j / sum_{j!=i} y_j``; the other units'
    mean ``m_i = (sum y - y_i)/(n-1)`` and variance
    ``s_i^2 = (sum y^2 - y_i^2)/(n-1) - m_i^2``;
    ``z_i = (sum_j w_ij y_j - W_i m_i) / (s_i sqrt(((n-1) S1_i - W_i^2)/(n-2)))``.

    G*: ``G*_i = sum_j w_ij y_j / sum_j y_j``, ``m`` and ``s^2`` (divisor n)
    of all units; ``z_i = (sum_j w_ij y_j - W_i m) / (s sqrt((n S1_i - W_i^2)/(n-1)))``
    (Ord & Getis 1995 eq. 13; ArcGIS "How Hot Spot Analysis works";
    spdep R/localG.R).  ``E[G_i] = W_i m_i / sum_{j!=i} y_j`` (``W_i/(n-1)``
    row-standardised), ``Var[G_i] = s_i^2 ((n-1) S1_i - W_i^2)/(n-2) /
    (sum_{j!=i} y_j)^2`` (G* analogously).  The z-score does not change when a
    row of weights is rescaled, so row-standardised and binary contiguity
    give the same z.

    Permutations: conditional randomisation (``y_i`` fixed, the neighbours
    drawn from the other units).  The denominators are fixed under it, so G
    is as extreme as the observed exactly when the neighbour sum is, and the
    counts are those of :func:`spatial_carbon.spatial.autocorr._conditional_counts`.
    """
    y = np.asarray(y, dtype=float)
    n = len(y)
    if n < 3:
        raise InputError(f"local G needs at least 3 units, got {n}")
    ws = star_weights(w) if star else w
    S = ws.sparse
    lag = S @ y
    diag = S.diagonal()
    Wi = np.asarray(S.sum(axis=1)).ravel()
    S1 = np.asarray(S.multiply(S).sum(axis=1)).ravel()
    tot, tot2 = float(y.sum()), float((y * y).sum())
    if star:
        m = np.full(n, tot / n)
        s2 = np.full(n, tot2 / n - (tot / n) ** 2)
        VG_num = s2 * (n * S1 - Wi ** 2) / (n - 1)
        den = np.full(n, tot)
    else:
        m = (tot - y) / (n - 1)
        s2 = (tot2 - y * y) / (n - 1) - m * m
        VG_num = s2 * ((n - 1) * S1 - Wi ** 2) / (n - 2)
        den = tot - y
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (lag - Wi * m) / np.sqrt(VG_num)
        G = lag / den
        EG = Wi * m / den
        VG = VG_num / den ** 2
    z = np.where(VG_num > 0, z, np.nan)
    out = {"G": G, "EG": EG, "VG": VG, "z": z, "lag": lag,
           "n_neighbors": np.diff(w.sparse.indptr)}
    if permutations:
        rng = rng if rng is not None else np.random.default_rng(0)
        # only the neighbours' part is random; the self term of G* is fixed.
        # Centred and scaled values: the counts do not change (a constant
        # shift per row) and the tolerance is relative to the spread.
        off = (S - sp.diags(diag)).tocsr()
        off.eliminate_zeros()
        wo = dataclasses.replace(ws, sparse=off)
        sd = float(y.std())
        ge, le = _ac._conditional_counts((y - y.mean()) / sd, wo, permutations, rng)
        out["p_sim"] = _ac._p_from_counts(ge, le, permutations, alternative)
        out["count_ge"], out["count_le"] = ge, le
    else:
        out["p_sim"] = np.full(n, np.nan)
    return out


def local_g(
    df: pd.DataFrame,
    w: Weights,
    column: str,
    *,
    id_col: str,
    year_col: str | None = "year",
    star: bool = True,
    permutations: int = PERMUTATIONS,
    seed: int = SEED,
    alpha: float = ALPHA,
    alternative: str = ALTERNATIVE,
    cluster_on: str = "p",
    bins_fdr: bool = False,
) -> pd.DataFrame:
    """Getis-Ord hot spots (G* by default, G with ``star=False``) per id and year.

    Parameters
    ----------
    df : DataFrame
        Long table: ``id_col``, optional ``year_col``, ``column`` (numeric, any
        unit; G is a share and z is unit-free).  Not modified.
    w : Weights
        From :func:`spatial_carbon.spatial.weights.build` (islands handled as
        for LISA; dropped islands are rows with cluster 4 "Isolated").
        Row-standardised weights give GeoDa's G values; the z-scores are the
        same for binary weights.
    star : bool
        G* (the unit counts as its own neighbour; ArcGIS's Hot Spot Analysis)
        or G.
    permutations, seed, alternative
        Conditional randomisation pseudo p (``p_sim``); ``alternative`` also
        sets ``gi_p``.  One generator per (seed, year) as in
        :func:`~spatial_carbon.spatial.autocorr.local_moran`.
    alpha : float
        Level of ``significant``, ``sig_fdr`` (Benjamini-Hochberg within the
        year), ``sig_bonferroni`` (``p_sim <= alpha/n``) and the cluster codes.
    cluster_on : {"p", "fdr", "bonferroni"}
        Which flag on ``p_sim`` decides GeoDa's ``g_cluster`` code.
    bins_fdr : bool
        FDR-correct ArcGIS's ``gi_bin`` (its "Apply FDR correction" option).

    Returns
    -------
    DataFrame
        One row per id and year: id columns, ``year``, ``variable``, ``value``,
        ``statistic`` ("G*" or "G"), ``G``, ``EG``, ``VG``, ``gi_z`` (Ord-Getis
        z, ArcGIS's GiZScore), ``gi_p`` (its normal p under ``alternative``;
        ArcGIS's GiPValue for two-sided), ``gi_bin`` (ArcGIS, from the
        two-sided normal p), ``gi_bin_label``, ``p_sim``, ``significant``,
        ``sig_fdr``, ``sig_bonferroni``, ``g_cluster`` (GeoDa: 0 not
        significant, 1 high, 2 low, 3 undefined, 4 isolated),
        ``g_cluster_label``, ``cluster_basis`` (which p and correction decided
        the cluster), ``n_neighbors``, ``permutations``, ``alternative``,
        ``seed``.

    Raises
    ------
    InputError, MissingDataError, DuplicateRowError, WeightsError
        Non-numeric, constant or all-empty column, missing or duplicate
        id-years, ids on one side only, fewer than 3 units.

    Warns
    -----
    DataQualityWarning
        Negative values (G is a share of a non-negative total; the z-score
        and ``gi_bin`` stay valid, G and its moments do not), or too few
        permutations to pass Bonferroni.

    Notes
    -----
    Formulas in :func:`local_g_arrays`.  GeoDa's high/low rule: significant
    with ``G_i > E[G_i]`` is "High" (hot), else "Low" (cold).  ArcGIS's bins
    use the analytic z (two-sided p <= 0.01, 0.05, 0.10); the GeoDa cluster
    uses the pseudo p.  Both are given because the papers in the field use
    either.
    """
    _ac._check_alt(alternative)
    permutations = _ac._check_perm(permutations)
    if not 0 < alpha < 1:
        raise InputError(f"alpha must be between 0 and 1, got {alpha}")
    if cluster_on not in ("p", "fdr", "bonferroni"):
        raise InputError(f"cluster_on must be 'p', 'fdr' or 'bonferroni', got {cluster_on!r}")
    _ac._rng(seed, 0, 0)
    name = "G*" if star else "G"
    years, has_year, Y, wide = _ac._panel(df, w, column, id_col, year_col, stat=f"Getis-Ord {name}")
    n = w.n
    if (Y < 0).any():
        warnings.warn(
            f"column {column!r} has negative values: G is a share of a non-negative total, so G, "
            "E[G] and Var[G] are not meaningful; the z-scores, gi_bin and p-values remain valid",
            DataQualityWarning, stacklevel=2,
        )
    _ac._warn_permutations(permutations, n, alpha, alternative)
    basis = {"p": f"p_sim <= {alpha:g}", "fdr": f"p_sim, Benjamini-Hochberg FDR {alpha:g}",
             "bonferroni": f"p_sim <= {alpha:g}/{n} (Bonferroni)"}[cluster_on]
    frames = []
    for pos, (yy, y) in enumerate(zip(years, Y)):
        r = local_g_arrays(y, w, star=star, permutations=permutations,
                           rng=_ac._rng(seed, _ac._year_key(yy, pos), 3 if star else 4),
                           alternative=alternative)
        p = r["p_sim"]
        sig, fdr, bonf, flag = _ac._flags(p, alpha, n, cluster_on)
        undefined = ~np.isfinite(r["z"]) | (r["z"] == 0)  # neither above nor below E[G]
        cluster = np.where(flag, np.where(r["G"] > r["EG"], 1, 2), 0)
        cluster = np.where(undefined, 3, cluster)
        f = _ac._id_frame(w, w.ids.tolist(), id_col)
        f.insert(len(f.columns), "year", yy)
        f["variable"] = column
        f["value"] = y
        f["statistic"] = name
        for c in ("G", "EG", "VG"):
            f[c] = r[c]
        f["gi_z"] = r["z"]  # ArcGIS's GiZScore / GiPValue
        f["gi_p"] = _ac._p_normal(r["z"], alternative)
        f["gi_bin"] = gi_bin(np.nan_to_num(r["z"]), fdr=bins_fdr)
        f["p_sim"] = p
        f["significant"] = sig
        f["sig_fdr"] = fdr
        f["sig_bonferroni"] = bonf
        f["g_cluster"] = cluster
        f["n_neighbors"] = r["n_neighbors"]
        if w.dropped:
            g = _ac._id_frame(w, list(w.dropped), id_col)
            g.insert(len(g.columns), "year", yy)
            g["variable"] = column
            g["value"] = wide.loc[yy, list(w.dropped)].to_numpy(dtype=float)
            g["statistic"] = name
            g["gi_bin"] = 0
            g["significant"] = False
            g["sig_fdr"] = False
            g["sig_bonferroni"] = False
            g["g_cluster"] = 4
            g["n_neighbors"] = 0
            f = pd.concat([f, g], ignore_index=True)
        frames.append(f)
    out = pd.concat(frames, ignore_index=True)
    out["gi_bin"] = out["gi_bin"].astype("int64")
    out.insert(out.columns.get_loc("gi_bin") + 1, "gi_bin_label", out["gi_bin"].map(GI_BIN_LABELS))
    out.insert(out.columns.get_loc("g_cluster") + 1, "g_cluster_label",
               out["g_cluster"].map(G_CLUSTER_LABELS))
    out.insert(out.columns.get_loc("g_cluster_label") + 1, "cluster_basis",
               basis if permutations else "no permutations")
    out["permutations"] = permutations
    out["alternative"] = alternative
    out["seed"] = int(seed)
    if not has_year:
        out = out.drop(columns="year")
    return out
