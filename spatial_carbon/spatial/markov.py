"""Spatial Markov chains (Rey 2001): class transitions conditioned on the neighbours.

A column is cut into ``k`` classes (pooled quantiles as giddy, or the
study's pooled exact natural breaks); each unit's spatial lag is cut into
``m`` lag classes; the transitions of consecutive years are counted
separately for each lag class of the starting year.  Outputs: the pooled
(a-spatial) and conditional transition matrices as tidy tables, their
steady states, and Bickenbach & Bode's (2003) Q and LR tests that the
conditional matrices are all equal (spatial homogeneity).

Equal to ``giddy.markov.Spatial_Markov(fixed=True)`` (class cutoffs,
counts, probabilities, steady states, Q, LR, dof) on giddy's published
US-income example (tests/test_markov.py).  giddy is not called because
importing it compiles quantecon's numba functions (5-12 s per process) and
it works on ``(n, T)`` arrays without ids, years or isolated units.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
from scipy.sparse import csgraph, csr_matrix

from ..errors import DataQualityWarning, InputError
from . import autocorr as _ac
from .transitions import homogeneity
from .weights import Weights

__all__ = ["CLASS_SCHEMES", "SpatialMarkovResult", "spatial_markov", "steady_states"]

CLASS_SCHEMES = ("quantiles", "fisher_jenks")


@dataclasses.dataclass(frozen=True)
class SpatialMarkovResult:
    """Result of :func:`spatial_markov` (all tables tidy).

    Attributes
    ----------
    transitions : DataFrame
        ``conditioning`` (``"pooled"`` or ``"lag class j"``), ``lag_class``
        (0 for pooled, else 1..m), ``from_class``, ``to_class`` (1..k),
        ``n_steps`` (one-year steps counted), ``probability`` (row share; NaN
        for a row never observed).
    steady_states : DataFrame
        ``conditioning``, ``lag_class``, ``recurrent_class`` (1.. when a chain
        has several closed classes, each with its own limit),
        ``markov_class``, ``probability``.
    homogeneity : dict
        ``Q``, ``Q_p``, ``LR``, ``LR_p``, ``dof``, ``regimes`` (= m).
    classes : DataFrame
        ``classes_of`` (``"value"`` or ``"lag"``), ``markov_class``, ``lower``, ``upper``
        (class j holds lower < x <= upper; the first also its lower bound).
    units : DataFrame
        Per id and year: ``value``, ``lag``, ``markov_class``, ``lag_class``.
    notes : tuple of str
        Degenerate-but-valid findings in words (empty rows, reducible chains).
    k, m : int
    scheme : str
    """

    transitions: pd.DataFrame
    steady_states: pd.DataFrame
    homogeneity: dict
    classes: pd.DataFrame
    units: pd.DataFrame
    notes: tuple
    k: int
    m: int
    scheme: str

    def matrix(self, lag_class: int = 0, what: str = "probability") -> pd.DataFrame:
        """``k x k`` matrix (``what`` = ``"probability"`` or ``"n_steps"``) of one
        lag class (0 = pooled), rows from, columns to."""
        t = self.transitions[self.transitions["lag_class"] == lag_class]
        return t.pivot(index="from_class", columns="to_class", values=what)


def steady_states(P: np.ndarray) -> list[np.ndarray]:
    """Limiting distributions of a stochastic matrix, one per closed
    (recurrent) communicating class.

    Notes
    -----
    The chain's states are grouped into strongly connected components of the
    graph ``P_ij > 0``; a component with no transition out of it is closed.
    Each closed class ``C`` has the unique distribution ``pi = pi P_C``,
    found as the null vector of ``(P_C - I)'`` (least squares with
    ``sum pi = 1``); transient states get 0.  This is giddy's
    ``ergodic.steady_state`` (one array for an ergodic chain, one per
    recurrent class otherwise).
    """
    P = np.asarray(P, dtype=float)
    k = len(P)
    g = csr_matrix(P > 0)
    nc, lab = csgraph.connected_components(g, directed=True, connection="strong")
    out = []
    for c in range(nc):
        members = np.nonzero(lab == c)[0]
        outside = np.setdiff1d(np.arange(k), members)
        if len(outside) and (P[np.ix_(members, outside)] > 0).any():
            continue  # transient class
        Pc = P[np.ix_(members, members)]
        A = np.vstack([Pc.T - np.eye(len(members)), np.ones(len(members))])
        b = np.zeros(len(members) + 1)
        b[-1] = 1.0
        pi_c = np.linalg.lstsq(A, b, rcond=None)[0]
        pi = np.zeros(k)
        pi[members] = np.clip(pi_c, 0, None) / np.clip(pi_c, 0, None).sum()
        out.append(pi)
    out.sort(key=lambda v: int(np.argmax(v > 0)))
    return out


def _cutoffs(v: np.ndarray, k: int, scheme: str, label: str) -> np.ndarray:
    """Upper bounds of ``k`` pooled classes of ``v`` (the last is the maximum)."""
    if len(np.unique(v)) < k:
        raise InputError(f"{label}: {len(np.unique(v))} distinct values cannot form {k} classes; lower k")
    if scheme == "quantiles":
        import mapclassify  # giddy's classifier (fixed=True): mapclassify.Quantiles of the pooled values

        return np.asarray(mapclassify.Quantiles(v, k=k).bins, dtype=float)
    from .classify import fisher_jenks_exact

    return np.asarray(fisher_jenks_exact(v, k), dtype=float)


def spatial_markov(
    df: pd.DataFrame,
    w: Weights,
    column: str,
    *,
    id_col: str,
    year_col: str = "year",
    k: int = 5,
    m: int | None = None,
    scheme: str = "quantiles",
    lag_scheme: str | None = None,
    cutoffs=None,
    lag_cutoffs=None,
    relative: bool = False,
) -> SpatialMarkovResult:
    """Rey's spatial Markov chain of ``column`` over consecutive years.

    Parameters
    ----------
    df : DataFrame
        Long table: ``id_col``, ``year_col``, ``column`` (any unit; the
        classes are in that unit).  Not modified.
    w : Weights
        Spatial weights (row-standardised: the lag is the neighbours'
        mean).  Units dropped as islands are not in the chain.
    k, m : int
        Value classes and lag classes (``m`` defaults to ``k``).
    scheme : {"quantiles", "fisher_jenks"}
        Classes of the values pooled over all years: quantiles (giddy's
        default) or exact natural breaks (the study's pooled legend).
    lag_scheme : {"quantiles", "fisher_jenks", "same"}, optional
        Classes of the pooled lags (default: ``scheme``); ``"same"`` uses the
        value classes for the lags too.
    cutoffs, lag_cutoffs : sequence of float, optional
        Upper bounds of the first ``k-1`` (``m-1``) classes (giddy's
        ``cutoffs``); override the schemes.
    relative : bool
        Divide each year's values by that year's mean first (giddy's
        relative-income example).

    Returns
    -------
    SpatialMarkovResult

    Raises
    ------
    InputError, MissingDataError, DuplicateRowError, WeightsError
        Non-numeric or constant column, missing values, fewer than two years,
        too few distinct values for the classes, unknown scheme.
    """
    if scheme not in CLASS_SCHEMES:
        raise InputError(f"scheme must be one of {', '.join(CLASS_SCHEMES)}, got {scheme!r}")
    lag_scheme = scheme if lag_scheme is None else lag_scheme
    if lag_scheme not in CLASS_SCHEMES + ("same",):
        raise InputError(f"lag_scheme must be one of {', '.join(CLASS_SCHEMES + ('same',))}, got {lag_scheme!r}")
    if year_col not in df.columns:
        raise InputError(f"the spatial Markov chain needs a year column; the table has no {year_col!r}")
    years, _, Y, _ = _ac._panel(df, w, column, id_col, year_col, stat="the spatial Markov chain")
    if len(years) < 2:
        raise InputError(f"transitions need at least two years; the table has {years}")
    if relative:
        mean = Y.mean(axis=1, keepdims=True)
        if (mean == 0).any():
            raise InputError("relative=True divides by each year's mean, which is 0 in some year")
        Y = Y / mean
    L = (w.sparse @ Y.T).T  # (T, n) lags
    if cutoffs is not None:
        ub = np.append(np.asarray(cutoffs, dtype=float), np.inf)
    else:
        ub = _cutoffs(Y.ravel(), int(k), scheme, f"{column} pooled")
    if lag_cutoffs is not None:
        lub = np.append(np.asarray(lag_cutoffs, dtype=float), np.inf)
    elif lag_scheme == "same":
        lub = np.append(ub[:-1], np.inf)
    else:
        lub = _cutoffs(L.ravel(), int(m or k), lag_scheme, f"spatial lag of {column} pooled")
    k_, m_ = len(ub), len(lub)
    C = np.searchsorted(ub[:-1], Y, side="left")   # 0..k-1, x <= upper -> that class
    LC = np.searchsorted(lub[:-1], L, side="left")
    T = np.zeros((m_, k_, k_))
    np.add.at(T, (LC[:-1].ravel(), C[:-1].ravel(), C[1:].ravel()), 1)
    pooled = T.sum(axis=0)
    notes = []
    rows, ss_rows = [], []
    for lc, mat in [(0, pooled)] + [(j + 1, T[j]) for j in range(m_)]:
        cond = "pooled" if lc == 0 else f"lag class {lc}"
        rs = mat.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            P = mat / rs[:, None]
        for i in range(k_):
            for j in range(k_):
                rows.append((cond, lc, i + 1, j + 1, int(mat[i, j]), P[i, j]))
        empty = np.nonzero(rs == 0)[0]
        Pf = np.where(rs[:, None] == 0, np.eye(k_), P)  # giddy's fill_empty_classes
        if len(empty):
            notes.append(f"{cond}: no transition starts in class(es) {[int(e) + 1 for e in empty]}; "
                         "their rows are NaN and count as absorbing for the steady state")
        sts = steady_states(Pf)
        if len(sts) > 1:
            notes.append(f"{cond}: the chain is reducible with {len(sts)} closed classes, so it has "
                         f"{len(sts)} steady states (one per closed class)")
        for r, pi in enumerate(sts, start=1):
            for i in range(k_):
                ss_rows.append((cond, lc, r, i + 1, float(pi[i])))
    trans = pd.DataFrame(rows, columns=["conditioning", "lag_class", "from_class", "to_class",
                                        "n_steps", "probability"])
    ss = pd.DataFrame(ss_rows, columns=["conditioning", "lag_class", "recurrent_class",
                                        "markov_class", "probability"])
    hom = homogeneity(T)
    if any(T[j].sum() == 0 for j in range(m_)):
        notes.append("some lag class has no transitions; it does not enter the homogeneity tests")
    for note in notes:
        warnings.warn(note, DataQualityWarning, stacklevel=2)
    lo = np.concatenate([[Y.min()], ub[:-1]])
    llo = np.concatenate([[L.min()], lub[:-1]])
    classes = pd.DataFrame({
        "classes_of": ["value"] * k_ + ["lag"] * m_,
        "markov_class": list(range(1, k_ + 1)) + list(range(1, m_ + 1)),
        "lower": np.concatenate([lo, llo]),
        "upper": np.concatenate([np.append(ub[:-1], Y.max()), np.append(lub[:-1], L.max())]),
        "scheme": [scheme if cutoffs is None else "user"] * k_
        + [lag_scheme if lag_cutoffs is None else "user"] * m_,
    })
    ids = _ac._id_frame(w, w.ids.tolist(), id_col)
    units = pd.concat([ids.assign(year=yy, value=Y[t], lag=L[t], markov_class=C[t] + 1,
                                  lag_class=LC[t] + 1) for t, yy in enumerate(years)],
                      ignore_index=True)
    units.insert(units.columns.get_loc("year") + 1, "variable", column)
    return SpatialMarkovResult(transitions=trans, steady_states=ss, homogeneity=hom,
                               classes=classes, units=units, notes=tuple(notes), k=k_, m=m_,
                               scheme=scheme)
