"""Full multi-regional IO (MRIO): production- and consumption-based emissions, flows.

An :class:`MRIO` holds one stressor (e.g. CO2) of a multi-regional system
with rows and columns labelled ``(region, sector)``:

* ``A`` technical coefficients (n x n), ``x`` output (n);
* ``Y`` final demand aggregated per consuming region (n x R'), where R' may
  include pseudo-consumers such as ``RoW`` (exports net of imports) that are
  not producing regions;
* ``F`` direct emissions of each producing sector (n) and ``F_Y`` direct
  emissions of final demand (households' own fuel use) per consuming region.

Accounts (Miller & Blair 2009, ch. 10; Peters 2008; pymrio ``calc_accounts``)::

    S = F x̂^-1,   M = S (I - A)^-1
    production-based  PBA_r = Σ_{i∈r} F_i + F_Y_r
    consumption-based CBA_s = M Y_s + F_Y_s
    Σ_r PBA_r = Σ_s CBA_s   (checked; :class:`ModelError` otherwise)

Region x region embodied flows (rows producing, columns consuming):

* ``mrio``: ``Φ_rs = Σ_{i∈r} s_i [(I - A)^-1 Y_s]_i`` (+ ``F_Y_s`` on the
  diagonal); row sums are PBA, column sums CBA.
* ``beet`` (bilateral trade, Peters 2008): ``Φ_rs = d_r (I - A_rr)^-1 (Z_rs 1 + Y_rs)``
  for ``s ≠ r`` with the domestic multipliers of the exporter, and
  ``Φ_rr = d_r (I - A_rr)^-1 Y_rr + F_Y_r``; row sums are PBA, column sums are
  *not* CBA (BEET ignores where imported inputs come from).

pymrio is used to read its own formats (``pymrio.load_all``) and as the
reference in the tests; its ``calc_all`` is not used for the computation
because it forms ``L`` explicitly (infeasible in memory/time at EXIOBASE size
on small machines) — here everything goes through an LU solve.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from spatial_carbon.errors import InputError, ModelError, show
from spatial_carbon.inputoutput.iomath import _Factor, calc_A, calc_S, check_labels


@dataclass
class MRIO:
    """One stressor of a multi-regional IO system (see module docstring).

    Attributes
    ----------
    A : DataFrame (n x n), index/columns MultiIndex (region, sector)
    Y : DataFrame (n x R'), columns consuming regions (or pseudo-consumers)
    x : Series (n)
    F : Series (n), direct emissions of producing sectors
    F_Y : Series (R'), direct emissions of final demand (0 where absent)
    Z : DataFrame, optional, intermediate flows (needed for ``beet`` flows;
        recomputed as ``A x̂`` when absent)
    unit : str, unit of ``F`` (e.g. ``"kg"``, ``"Mt CO2"``)
    """

    A: pd.DataFrame
    Y: pd.DataFrame
    x: pd.Series
    F: pd.Series
    F_Y: pd.Series
    Z: pd.DataFrame | None = None
    unit: str = ""

    def __post_init__(self):
        if not isinstance(self.A.index, pd.MultiIndex) or self.A.index.nlevels != 2:
            raise InputError("MRIO A must be indexed by (region, sector)")
        check_labels(self.A.index, self.A.columns, "MRIO labels (rows vs columns of A)")
        for name in ("x", "F"):
            check_labels(self.A.index, getattr(self, name).index, f"MRIO labels ({name} vs A)")
        check_labels(self.A.index, self.Y.index, "MRIO labels (Y rows vs A)")
        self.F_Y = self.F_Y.reindex(self.Y.columns, fill_value=0.0).astype(float)
        if (self.x < 0).any():
            raise InputError("MRIO has negative total output; check the table")

    @property
    def regions(self) -> list:
        """Producing regions, in table order."""
        return list(dict.fromkeys(self.A.index.get_level_values(0)))

    @property
    def S(self) -> pd.Series:
        """Direct intensities ``F / x``."""
        return calc_S(self.F, self.x)


def _agg_Y(Y: pd.DataFrame) -> pd.DataFrame:
    if isinstance(Y.columns, pd.MultiIndex):
        return Y.T.groupby(level=0, sort=False).sum().T
    return Y


def mrio_from_pymrio(io, extension: str, stressor) -> MRIO:
    """Take one stressor of a pymrio ``IOSystem`` (EXIOBASE, WIOD, OECD, Eora, test).

    Parameters
    ----------
    io : pymrio.IOSystem
        With ``Z`` or ``A``, ``Y`` and the extension loaded (``calc_all`` not needed).
    extension : str
        Extension name or attribute (e.g. ``"emissions"`` or ``"Emissions"``).
    stressor : str or tuple
        Row of the extension's ``F``; a string matches the first index level
        and must select exactly one row.

    Returns
    -------
    MRIO
        ``Y`` summed over final-demand categories per region (as pymrio's
        ``calc_accounts`` does), ``F_Y`` summed likewise.
    """
    ext = None
    for e in io.get_extensions(data=True):
        if extension in (e.name, getattr(e, "name", None)) or str(e.name).lower() == str(extension).lower():
            ext = e
    if ext is None:
        for attr in io.get_extensions():
            if str(attr).lower() == str(extension).lower():
                ext = getattr(io, attr)
    if ext is None:
        names = [e.name for e in io.get_extensions(data=True)]
        raise InputError(f"MRIO has no extension {extension!r}; available: {names}")
    F = ext.F
    if F is None:
        raise InputError(f"extension {extension!r} has no F (direct stressor) table")
    rows = _pick_rows(F.index, stressor, extension)
    if io.x is not None:
        x = io.x.iloc[:, 0] if isinstance(io.x, pd.DataFrame) else io.x
    elif io.Z is not None:
        x = io.Z.sum(axis=1) + io.Y.sum(axis=1)
    else:
        raise InputError("MRIO has neither x nor Z; cannot determine total output")
    x = x.astype(float)
    if io.A is not None:
        A = io.A
    elif io.Z is not None:
        A = calc_A(io.Z, x)
    else:
        raise InputError("MRIO has neither A nor Z")
    Fs = F.loc[rows].sum(axis=0).astype(float)
    Y = _agg_Y(io.Y).astype(float)
    if getattr(ext, "F_Y", None) is not None:
        FY = _agg_Y(ext.F_Y.loc[rows]).sum(axis=0).astype(float)
    else:
        FY = pd.Series(0.0, index=Y.columns)
    unit = ""
    if getattr(ext, "unit", None) is not None:
        try:
            unit = str(ext.unit.loc[rows].iloc[0, 0])
        except Exception:  # units are informative only
            unit = ""
    Fs.index = A.index
    return MRIO(A=A, Y=Y, x=x, F=Fs, F_Y=FY, Z=io.Z, unit=unit)


def _pick_rows(index: pd.Index, stressor, where: str) -> list:
    if stressor in index:
        return [stressor]
    if isinstance(index, pd.MultiIndex):
        hits = [k for k in index if k[0] == stressor or "|".join(map(str, k)) == str(stressor)]
    else:
        hits = [k for k in index if str(k) == str(stressor)]
    if len(hits) == 1:
        return hits
    if not hits:
        raise InputError(f"extension {where!r} has no stressor {stressor!r}; available: {list(index)[:20]}")
    raise InputError(f"stressor {stressor!r} is ambiguous in {where!r}: {hits}; pass the full key")


def mrio_from_frames(
    Z: pd.DataFrame, Y: pd.DataFrame, F: pd.Series, *, x: pd.Series | None = None,
    F_Y: pd.Series | None = None, unit: str = "",
) -> MRIO:
    """Build an :class:`MRIO` from flows (e.g. a CEADs-style Chinese MRIO table).

    ``x`` defaults to ``Z 1 + Y 1``; if given, the balance is checked.
    """
    xs = Z.sum(axis=1) + Y.sum(axis=1)
    if x is None:
        x = xs
    else:
        gap = (xs - x).abs() / np.maximum(x.abs(), 1.0)
        if (gap > 1e-6).any():
            worst = gap.idxmax()
            raise InputError(
                f"MRIO table is unbalanced: row sum differs from total output in "
                f"{int((gap > 1e-6).sum())} row(s); largest at {worst} "
                f"({xs[worst]:.6g} vs {x[worst]:.6g}). Put discrepancies in a final-demand column"
            )
    F = F.reindex(Z.index)
    if F.isna().any():
        raise InputError(f"emissions missing for {int(F.isna().sum())} (region, sector) rows")
    return MRIO(A=calc_A(Z, x), Y=Y, x=x.astype(float), F=F.astype(float),
                F_Y=F_Y if F_Y is not None else pd.Series(0.0, index=Y.columns), Z=Z, unit=unit)


# --------------------------------------------------------------------------- accounts
def calc_accounts(mrio: MRIO, *, rtol: float = 1e-6, solver: str = "auto") -> pd.DataFrame:
    """Production- and consumption-based emissions per region.

    Returns
    -------
    DataFrame
        One row per region (producing regions first, then pseudo-consumers),
        columns ``region``, ``production_based``, ``consumption_based``,
        ``direct_final_demand`` (``F_Y``), ``embodied_in_exports``
        (PBA − domestic part), ``embodied_in_imports`` (CBA − domestic part),
        ``net_transfer`` (PBA − CBA); unit of ``F``.

    ``solver``: ``"auto"`` (dense LU), ``"iterative"`` (GMRES on the sparse
    pattern of ``A``; fastest for EXIOBASE-sized tables, see
    :class:`spatial_carbon.inputoutput.iomath._Factor`), ``"lu"``, ``"splu"``.

    Raises
    ------
    ModelError
        If Σ CBA ≠ Σ PBA beyond ``rtol`` (an unbalanced table: ``x ≠ L Y 1``).

    Notes
    -----
    ``CBA_s = S (I-A)^-1 Y_s + F_Y_s`` and ``PBA_r = Σ_{i∈r} F_i + F_Y_r`` —
    pymrio's ``D_cba_reg`` and ``D_pba_reg`` (tested to be equal on
    ``pymrio.load_test()``).
    """
    flows = embodied_flows(mrio, method="mrio", solver=solver)
    pba_rows = flows.sum(axis=1)
    cba = flows.sum(axis=0)
    pba_direct = mrio.F.groupby(level=0, sort=False).sum()
    regs = list(dict.fromkeys([*mrio.regions, *mrio.Y.columns]))
    pba = pba_direct.reindex(regs, fill_value=0.0) + mrio.F_Y.reindex(regs, fill_value=0.0)
    tot_p, tot_c = float(pba.sum()), float(cba.sum())
    # values below the smallest normal float are rounding noise (S = F/x underflows)
    tiny = np.finfo(float).tiny * max(len(mrio.F), 1)
    if not np.isclose(tot_p, tot_c, rtol=rtol, atol=tiny):
        raise ModelError(
            f"sum of consumption-based ({tot_c:.6g}) != sum of production-based ({tot_p:.6g}) "
            f"emissions: the table is not balanced (x != (I-A)^-1 Y 1); rebalance it or pass x = Z1 + Y1"
        )
    diag = pd.Series(np.diag(flows.reindex(index=regs, columns=regs, fill_value=0.0)), index=regs)
    out = pd.DataFrame({
        "region": regs,
        "production_based": pba.to_numpy(),
        "consumption_based": cba.reindex(regs, fill_value=0.0).to_numpy(),
        "direct_final_demand": mrio.F_Y.reindex(regs, fill_value=0.0).to_numpy(),
        "embodied_in_exports": (pba_rows.reindex(regs, fill_value=0.0) - diag).to_numpy(),
        "embodied_in_imports": (cba.reindex(regs, fill_value=0.0) - diag).to_numpy(),
    })
    out["net_transfer"] = out["production_based"] - out["consumption_based"]
    codes = _province_codes(out["region"])
    if codes is not None:
        out.insert(0, "region_code", codes)
    return out


def _province_codes(names) -> pd.Series | None:
    """GB/T codes of the names that are Chinese provinces (``<NA>`` for others, e.g. RoW);
    None if none of them is a province (EXIOBASE countries, 8 economic regions)."""
    from spatial_carbon import regions

    out = []
    for n in names:
        try:
            out.append(regions.lookup(n))
        except InputError:
            out.append(pd.NA)
    if all(c is pd.NA for c in out):
        return None
    return pd.array(out, dtype="Int64")


def embodied_flows(mrio: MRIO, method: str = "mrio", *, solver: str = "auto") -> pd.DataFrame:
    """Region x region matrix of embodied emissions (rows producing, columns consuming).

    Parameters
    ----------
    method : {"mrio", "beet"}
        See the module docstring.
    solver : str
        Leontief solver (see :func:`calc_accounts`).

    Returns
    -------
    DataFrame
        Index producing regions (plus pseudo-consumers with zero rows),
        columns consuming regions; unit of ``F``; direct emissions of final
        demand on the diagonal.
    """
    regs = mrio.regions
    cons = list(mrio.Y.columns)
    allr = list(dict.fromkeys([*regs, *cons]))
    s = mrio.S.to_numpy()
    lvl = mrio.A.index.get_level_values(0)
    if method == "mrio":
        X = _Factor(mrio.A, solver).solve(mrio.Y.to_numpy(dtype=float))  # n x R'
        E = s[:, None] * X
        phi = pd.DataFrame(E, index=lvl).groupby(level=0, sort=False).sum()
        phi.columns = cons
    elif method == "beet":
        Z = mrio.Z if mrio.Z is not None else mrio.A * mrio.x.to_numpy()[None, :]
        rows = []
        for r in regs:
            ir = np.flatnonzero(lvl == r)
            Arr = mrio.A.to_numpy()[np.ix_(ir, ir)]
            m_dom = _Factor(Arr, "lu" if solver == "auto" else solver).solve(s[ir], trans=True)
            Zr = pd.DataFrame(Z.to_numpy()[ir, :], columns=lvl).T.groupby(level=0, sort=False).sum().T
            exp = Zr.reindex(columns=cons, fill_value=0.0).to_numpy() + mrio.Y.to_numpy()[ir, :]
            if r in cons:
                exp[:, cons.index(r)] = mrio.Y.to_numpy()[ir, cons.index(r)]
            rows.append(pd.Series(m_dom @ exp, index=cons, name=r))
        phi = pd.DataFrame(rows)
    else:
        raise InputError(f"unknown flow method {method!r}; use 'mrio' or 'beet'")
    phi = phi.reindex(index=allr, columns=allr, fill_value=0.0)
    for r, v in mrio.F_Y.items():
        phi.loc[r, r] += v
    phi.index.name = "producing_region"
    phi.columns.name = "consuming_region"
    return phi


def flows_long(matrix: pd.DataFrame, *, include_diagonal: bool = False, net: bool = False) -> pd.DataFrame:
    """Region x region matrix to the generic flow table ``origin, destination, value``.

    Parameters
    ----------
    matrix : DataFrame
        Rows origin (producing), columns destination (consuming).
    include_diagonal : bool
        Keep ``origin == destination`` rows (default: drop).
    net : bool
        Net flows: one row per pair with a positive ``Φ_od − Φ_do``.

    Returns
    -------
    DataFrame
        ``origin, destination, value`` (+ ``origin_code``,
        ``destination_code`` when every region is a known Chinese province)
        — the input of the flow-map helper.
    """
    m = matrix.copy()
    if net:
        common = [r for r in m.index if r in m.columns]
        sq = m.loc[common, common]
        m = (sq - sq.T).clip(lower=0.0)
    long = m.stack().rename("value").reset_index()
    long.columns = ["origin", "destination", "value"]
    if not include_diagonal:
        long = long[long["origin"] != long["destination"]]
    if net:
        long = long[long["value"] > 0]
    long = long.reset_index(drop=True)
    try:
        from spatial_carbon import regions

        long.insert(1, "origin_code", regions.to_codes(long["origin"]).to_numpy())
        long.insert(3, "destination_code", regions.to_codes(long["destination"]).to_numpy())
    except InputError:
        pass  # not Chinese provinces (e.g. EXIOBASE countries or 8 economic regions)
    return long


def aggregate_mrio(mrio: MRIO, *, regions: dict | pd.Series | str | None = None,
                   sectors: dict | pd.Series | str | None = None) -> MRIO:
    """Aggregate an MRIO's regions (e.g. 31 provinces -> 8 regions) and/or sectors.

    Parameters
    ----------
    regions : dict, Series or grouping scheme name, optional
        ``region -> group``; a string is a scheme of
        :func:`spatial_carbon.regions.grouping` (``"seed003_8"``, ``"seed002_8"``),
        applied to province names of any spelling. Pseudo-consumers (``RoW``)
        not in the mapping are kept as they are.
    sectors : dict, Series or bundled concordance name, optional

    Returns
    -------
    MRIO
        ``Z* = Cᵀ Z C``, ``Y* = Cᵀ Y`` (columns regrouped), ``F* = Cᵀ F``,
        ``x* = Cᵀ x``, ``F_Y`` summed per group; ``A*`` recomputed
        (Miller & Blair 2009, ch. 4). Production-based emissions per group
        and the world total are preserved exactly; consumption-based
        emissions per group are **not** (aggregation bias: merging regions
        averages their technologies).  For footprints of groups without that
        bias, compute :func:`calc_accounts` on the full table and sum the
        result with :func:`spatial_carbon.inputoutput.aggregate_regions`.  Use this
        function to reproduce a study done on an aggregated table (e.g. the
        seed-003 8-region tables).
    """
    from spatial_carbon import regions as _r
    from spatial_carbon.inputoutput.concordance import sector_concordance

    regs = mrio.regions
    if regions is None:
        rmap = {r: r for r in regs}
    elif isinstance(regions, str):
        g = _r.grouping(regions)
        rmap = {}
        for r in regs:
            code = _r.lookup(r)
            if code not in g.index:
                raise InputError(f"grouping {regions!r} does not cover region {show(r)}")
            rmap[r] = g[code]
    else:
        rmap = dict(regions)
        missing = [r for r in regs if r not in rmap]
        if missing:
            raise InputError(f"region mapping has no group for {show(missing)}")
    secs = list(dict.fromkeys(mrio.A.index.get_level_values(1)))
    if sectors is None:
        smap = {s: s for s in secs}
    else:
        smap = dict(sector_concordance(sectors) if isinstance(sectors, str) else sectors)
        missing = [s for s in secs if s not in smap]
        if missing:
            raise InputError(f"sector mapping has no target for {show(missing)}")
    new = [(rmap[r], smap[s]) for r, s in mrio.A.index]
    target = list(dict.fromkeys(new))
    pos = {t: j for j, t in enumerate(target)}
    C = np.zeros((len(new), len(target)))
    C[np.arange(len(new)), [pos[t] for t in new]] = 1.0
    idx = pd.MultiIndex.from_tuples(target, names=["region", "sector"])
    Z = mrio.Z if mrio.Z is not None else mrio.A * mrio.x.to_numpy()[None, :]
    Zs = pd.DataFrame(C.T @ Z.to_numpy() @ C, index=idx, columns=idx)
    xs = pd.Series(C.T @ mrio.x.to_numpy(), index=idx)
    Fs = pd.Series(C.T @ mrio.F.to_numpy(), index=idx)
    ycols = [rmap.get(c, c) for c in mrio.Y.columns]
    Ys = pd.DataFrame(C.T @ mrio.Y.to_numpy(), index=idx, columns=mrio.Y.columns)
    Ys = Ys.T.groupby(pd.Index(ycols, dtype=object), sort=False).sum().T
    FY = mrio.F_Y.groupby(pd.Index([rmap.get(c, c) for c in mrio.F_Y.index], dtype=object), sort=False).sum()
    return MRIO(A=calc_A(Zs, xs), Y=Ys, x=xs, F=Fs, F_Y=FY, Z=Zs, unit=mrio.unit)
