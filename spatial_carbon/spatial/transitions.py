"""LISA transitions: space-time dynamics of local Moran quadrants.

Input is the table returned by :func:`spatial_carbon.spatial.autocorr.local_moran`
for several years; outputs are the 4 x 4 transition count and probability
matrices (rows from, columns to, order HH, LH, LL, HL), the per-region move
table with Rey's (2001) typology, the per-year-pair summary (space-time
cohesion and flux) and a chi-square test of time homogeneity.

The counts equal giddy's ``LISA_Markov.transitions`` for the same weights
(checked in the tests on giddy's own example); giddy is not called because
its ``LISA_Markov`` recomputes the LISAs with esda's unseeded, numba-compiled
``Moran_Local`` and has no notion of ids, isolated units or per-year seeds.
The homogeneity test follows ``giddy.markov.homogeneity`` (Bickenbach & Bode
2003) and is checked against it; it is re-implemented here because importing
giddy compiles quantecon's numba functions (~5-12 s per process).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from ..errors import InputError, show

__all__ = ["ORDER", "MOVE_TYPES", "TransitionResult", "homogeneity", "lisa_transitions",
           "move_type"]

#: Quadrant order of the matrices (esda/giddy numbering 1..4).
ORDER = ("HH", "LH", "LL", "HL")

# Rey (2001, Table 2; Ye & Rey 2013): type 0 neither the unit nor its
# neighbours change quadrant; I only the unit moves (its own value crosses
# the mean, the lag does not); II only the neighbours move; III both.
# IIIA: both move the same way (HH<->LL); IIIB: opposite ways (LH<->HL).
_TYPE = np.array([
    # to:  HH     LH     LL     HL
    ["0", "I", "III", "II"],   # from HH
    ["I", "0", "II", "III"],   # from LH
    ["III", "II", "0", "I"],   # from LL
    ["II", "III", "I", "0"],   # from HL
], dtype=object)
MOVE_TYPES = ("0", "I", "II", "III")


def move_type(q_from: int, q_to: int) -> str:
    """Rey's move type between quadrants ``q_from`` and ``q_to`` (1 HH, 2 LH, 3 LL, 4 HL)."""
    if q_from not in (1, 2, 3, 4) or q_to not in (1, 2, 3, 4):
        raise InputError(f"quadrants must be 1..4 (HH, LH, LL, HL), got {q_from}, {q_to}")
    return str(_TYPE[q_from - 1, q_to - 1])


@dataclasses.dataclass(frozen=True)
class TransitionResult:
    """Result of :func:`lisa_transitions`.

    Attributes
    ----------
    counts : DataFrame
        4 x 4 counts, index ``from`` and columns ``to`` in the order HH, LH, LL, HL.
    probabilities : DataFrame
        Row-normalised counts (NaN rows when a quadrant is never left from).
    moves : DataFrame
        One row per id and consecutive year pair: ``year_from``, ``year_to``,
        ``q_from``, ``q_to`` (labels), ``significant_from/to``, ``counted``,
        ``type`` (``"0"``, ``"I"``, ``"II"``, ``"III"``), ``subtype`` (``"IIIA"``
        same direction, ``"IIIB"`` opposite), ``giddy_move`` (giddy's code
        ``4 (q_from - 1) + q_to``).
    summary : DataFrame
        Per year pair and ``"all"``: counts and shares of each type,
        ``cohesion`` (share of type 0) and ``flux`` (share of types I + II).
    homogeneity : dict
        ``Q``, ``Q_p``, ``LR``, ``LR_p``, ``dof``, ``regimes``: chi-square and
        likelihood-ratio tests that the transition probabilities are the same
        in every year pair (Bickenbach & Bode 2003); NaN with fewer than two
        year pairs.
    significant_only : bool
    """

    counts: pd.DataFrame
    probabilities: pd.DataFrame
    moves: pd.DataFrame
    summary: pd.DataFrame
    homogeneity: dict
    significant_only: bool


def homogeneity(matrices) -> dict:
    """Chi-square (Q) and likelihood-ratio (LR) tests of equal transition
    probabilities across regimes (Bickenbach & Bode 2003, eqs. 11-13).

    Parameters
    ----------
    matrices : sequence of (k, k) count arrays, one per regime (e.g. year pair)

    Returns
    -------
    dict
        ``Q``, ``Q_p``, ``LR``, ``LR_p``, ``dof``, ``regimes``.

    Notes
    -----
    ``p_ij`` pooled, ``p_ij(r)`` of regime ``r``;
    ``Q = sum_r sum_i n_i(r) sum_j (p_ij(r) - p_ij)^2 / p_ij`` over ``p_ij > 0``;
    ``LR = 2 sum_r sum_ij n_ij(r) ln(p_ij(r) / p_ij)`` over ``n_ij(r) > 0``;
    ``dof = sum_i (b_i - 1)(a_i - 1)``, ``a_i`` non-zero pooled cells of row
    ``i``, ``b_i`` regimes with observations in row ``i``.  Same as
    ``giddy.markov.homogeneity`` (checked in the tests).
    """
    from scipy.special import chdtrc  # chi-square survival; lighter than scipy.stats

    M = np.asarray(matrices, dtype=float)
    T = M.sum(axis=0)
    n_i = T.sum(axis=1)
    p = T / np.where(n_i == 0, 1, n_i)[:, None]
    den = np.where(p == 0, 1, p)
    nim = M.sum(axis=2)  # (regimes, k)
    pm = M / np.where(nim == 0, 1, nim)[:, :, None]
    Q = float((nim[:, :, None] * (pm - p) ** 2 / den).sum())
    mask = (M > 0) & (p > 0)
    LR = 2.0 * float((M * np.log(np.where(mask, pm, 1) / np.where(mask, p, 1))).sum())
    a_i = (T > 0).sum(axis=1)
    b_i = (nim > 0).sum(axis=0)
    dof = int(((b_i - 1) * (a_i - 1)).sum())
    return {"Q": Q, "Q_p": float(chdtrc(dof, Q)) if dof > 0 else np.nan,
            "LR": LR, "LR_p": float(chdtrc(dof, LR)) if dof > 0 else np.nan,
            "dof": dof, "regimes": len(M)}


def _matrix(df: pd.DataFrame) -> np.ndarray:
    m = np.zeros((4, 4))
    if len(df):
        np.add.at(m, (df["_qf"].to_numpy() - 1, df["_qt"].to_numpy() - 1), 1)
    return m


def _frame(m: np.ndarray) -> pd.DataFrame:
    f = pd.DataFrame(m, index=pd.Index(ORDER, name="from"), columns=pd.Index(ORDER, name="to"))
    return f


def lisa_transitions(
    lisa: pd.DataFrame,
    *,
    significant_only: bool = False,
    year_col: str = "year",
    id_cols: list[str] | None = None,
    sig_col: str = "significant",
) -> TransitionResult:
    """LISA quadrant transitions between consecutive years.

    Parameters
    ----------
    lisa : DataFrame
        Output of :func:`spatial_carbon.spatial.autocorr.local_moran` (one row per id
        and year, columns ``quadrant`` and ``significant``).  Not modified.
    significant_only : bool
        Count only transitions whose unit is significant in both years (the
        per-region move table always lists every move, flagged ``counted``).
    year_col : str
        Year column.
    id_cols : list of str, optional
        Columns identifying a unit (default: ``region_code``/``region`` when
        present, else the first column).
    sig_col : str
        Significance flag to use (``significant``, ``sig_fdr`` or ``sig_bonferroni``).

    Returns
    -------
    TransitionResult

    Raises
    ------
    InputError
        Missing columns, fewer than two years, duplicate id-years.

    Notes
    -----
    Transition probabilities ``p_ij = n_ij / sum_j n_ij`` (maximum likelihood
    of a first-order Markov chain, Rey 2001).  Units whose quadrant is
    undefined (0) or isolated in either year are not counted.  Space-time
    cohesion ``SC = F_0 / m`` and flux ``SF = (F_I + F_II) / m`` where ``m``
    is the number of counted moves (Rey 2001; the convention of most Chinese
    carbon studies).  Some authors call the type IIIA share "cohesion"; the
    summary gives every share so either can be read off.
    """
    for c in (year_col, "quadrant", sig_col):
        if c not in lisa.columns:
            raise InputError(
                f"LISA table has no column {c!r}; pass the output of autocorr.local_moran "
                "computed on a table with a year column"
            )
    if id_cols is None:
        if "region_code" in lisa.columns:
            id_cols = ["region_code"] + (["region"] if "region" in lisa.columns else [])
        else:
            id_cols = [lisa.columns[0]]
    for c in id_cols:
        if c not in lisa.columns:
            raise InputError(f"LISA table has no id column {c!r}")
    key = id_cols[0]
    if not pd.api.types.is_numeric_dtype(lisa[year_col]):
        raise InputError(
            f"year column {year_col!r} of the LISA table is not numeric "
            f"(e.g. {show(lisa[year_col].iloc[0])}); transitions run between consecutive years"
        )
    years = sorted(pd.unique(lisa[year_col]).tolist())
    if len(years) < 2:
        raise InputError(f"transitions need at least two years; the LISA table has {years}")
    if lisa.duplicated([key, year_col]).any():
        raise InputError("the LISA table repeats id-years; compute it with one row per id and year")
    base = lisa[id_cols + [year_col, "quadrant", sig_col]]
    pairs = []
    for y0, y1 in zip(years[:-1], years[1:]):
        a = base[base[year_col] == y0]
        b = base[base[year_col] == y1][[key, "quadrant", sig_col]]
        m = a.merge(b, on=key, how="inner", suffixes=("_a", "_b"))
        m = m.rename(columns={"quadrant_a": "_qf", "quadrant_b": "_qt", f"{sig_col}_a": "significant_from",
                              f"{sig_col}_b": "significant_to"})
        m = m.drop(columns=[year_col]).assign(year_from=y0, year_to=y1)
        pairs.append(m)
    mv = pd.concat(pairs, ignore_index=True)
    mv["_qf"] = mv["_qf"].astype(int)
    mv["_qt"] = mv["_qt"].astype(int)
    valid = mv["_qf"].between(1, 4) & mv["_qt"].between(1, 4)
    sig_both = mv["significant_from"].astype(bool) & mv["significant_to"].astype(bool)
    mv["counted"] = valid & (sig_both if significant_only else True)
    labels = np.array(("undefined",) + ORDER, dtype=object)
    mv["q_from"] = labels[mv["_qf"].to_numpy()]
    mv["q_to"] = labels[mv["_qt"].to_numpy()]
    t = np.full(len(mv), None, dtype=object)
    vv = valid.to_numpy()
    t[vv] = _TYPE[mv["_qf"].to_numpy()[vv] - 1, mv["_qt"].to_numpy()[vv] - 1]
    mv["type"] = t
    sub = np.full(len(mv), None, dtype=object)
    is3 = mv["type"].to_numpy() == "III"
    same_dir = np.isin(mv["_qf"].to_numpy(), (1, 3))
    sub[is3 & same_dir] = "IIIA"
    sub[is3 & ~same_dir] = "IIIB"
    mv["subtype"] = sub
    mv["giddy_move"] = np.where(vv, 4 * (mv["_qf"] - 1) + mv["_qt"], 0)

    counted = mv[mv["counted"]]
    counts = _matrix(counted)
    with np.errstate(invalid="ignore", divide="ignore"):
        probs = counts / counts.sum(axis=1, keepdims=True)

    def summarise(d: pd.DataFrame, label_from, label_to) -> dict:
        m = len(d)
        row = {"year_from": label_from, "year_to": label_to, "m": m}
        for ty in MOVE_TYPES:
            row[f"n_type_{ty}"] = int((d["type"] == ty).sum())
        row["n_type_IIIA"] = int((d["subtype"] == "IIIA").sum())
        row["n_type_IIIB"] = int((d["subtype"] == "IIIB").sum())
        for ty in MOVE_TYPES + ("IIIA", "IIIB"):
            row[f"share_type_{ty}"] = row[f"n_type_{ty}"] / m if m else np.nan
        row["cohesion"] = row["share_type_0"]
        row["flux"] = (row["n_type_I"] + row["n_type_II"]) / m if m else np.nan
        return row

    rows = [summarise(counted[counted["year_from"] == y0], y0, y1)
            for y0, y1 in zip(years[:-1], years[1:])]
    rows.append(summarise(counted, "all", "all"))
    summary = pd.DataFrame(rows)

    mats = [_matrix(counted[counted["year_from"] == y0]) for y0 in years[:-1]]
    hom = {"Q": np.nan, "Q_p": np.nan, "LR": np.nan, "LR_p": np.nan, "dof": 0,
           "regimes": len(mats)}
    if len(mats) >= 2 and counts.sum() > 0:
        hom.update(homogeneity(mats))
    cols = id_cols + ["year_from", "year_to", "q_from", "q_to", "significant_from",
                      "significant_to", "counted", "type", "subtype", "giddy_move"]
    moves = mv[cols].sort_values([key, "year_from"], kind="stable").reset_index(drop=True)
    return TransitionResult(
        counts=_frame(counts), probabilities=_frame(probs), moves=moves, summary=summary,
        homogeneity=hom, significant_only=bool(significant_only),
    )
