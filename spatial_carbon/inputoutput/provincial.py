"""Single-region provincial IO tables: embodied carbon in foreign and domestic trade.

Seed 002 (embodied carbon in China's foreign and inter-provincial trade,
31 provinces, 2017).  Each province ``r`` has a competitive-import table

    X = A X + Y + E + EP - M - MP

with intermediate flows ``Z = A X̂``, domestic final use ``Y``, exports
``E``, domestic outflows to other provinces ``EP``, imports ``M`` and
domestic inflows ``MP`` (all in the table's monetary unit, usually
10^4 yuan), and direct CO2 intensities ``d`` (t CO2 per 10^4 yuan).

Indicators (per province; the per-sector split is ``m_i v_i``):

* ``CE  = d (I - A)^-1 E``   carbon embodied in exports
* ``CEP = d (I - A)^-1 EP``  carbon embodied in outflows
* ``CM  = d^m (I - A^m)^-1 M``  carbon embodied in imports; technology
  homogeneity (the province's own multipliers) unless import multipliers are given
* ``CMP = d^p (I - A^p)^-1 MP`` carbon embodied in inflows; national average
  multipliers unless source-province multipliers are given
* ``N = CE - CM``, ``NP = CEP - CMP``, ``T = N + NP`` (net exports of carbon)
* ``CTT = (CE/E) / (CM/M)``, ``CTTp = (CEP/EP) / (CMP/MP)`` (carbon terms of trade)
* ``ECC_i = (CE_i/CE) / (E_i/E)``, ``PECC_i = (CEP_i/CEP) / (EP_i/EP)``
* type I (N>0, NP>0), II (N<0, NP>0), III (N<0, NP<0), IV (N>0, NP<0)

No library implements single-region tables with inflows/outflows (pymrio
handles full MRIO systems only), hence this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Literal, Mapping

import numpy as np
import pandas as pd

from spatial_carbon import regions
from spatial_carbon.errors import (InputError, MissingDataError, NegativeValueError,
                                   ZeroCapacityError, show)
from spatial_carbon.inputoutput.iomath import (
    calc_A,
    calc_M,
    calc_S,
    check_balance,
    check_labels,
)

#: Names of the use-side columns of a provincial table (stacked frame format).
TABLE_COLUMNS = ("final_use", "export", "outflow", "import", "inflow", "output")

Treatment = Literal["net_outflow", "domestic_share", "all_uses"]
TREATMENTS = ("net_outflow", "domestic_share", "all_uses")


@dataclass(frozen=True)
class ProvincialTable:
    """One province's competitive-import IO table (monetary, one unit).

    Attributes
    ----------
    region : str
        Province name or code (any spelling known to :mod:`spatial_carbon.regions`).
    Z : DataFrame (n x n)
        Intermediate flows, rows supplying and columns using sectors.
    final_use, export, outflow, imports, inflow, output : Series (n)
        Domestic final use ``Y``, exports ``E``, outflows ``EP``, imports
        ``M``, inflows ``MP`` (both entered positive) and total output ``X``.
    unit : str
        Monetary unit, e.g. ``"10^4 yuan"``.
    """

    region: str
    Z: pd.DataFrame
    final_use: pd.Series
    export: pd.Series
    outflow: pd.Series
    imports: pd.Series
    inflow: pd.Series
    output: pd.Series
    unit: str = "10^4 yuan"
    sectors: tuple = field(init=False)

    def __post_init__(self):
        sectors = tuple(self.Z.index)
        object.__setattr__(self, "sectors", sectors)
        where = f"IO table of {self.region}"
        check_labels(self.Z.index, self.Z.columns, f"sectors (rows vs columns of {where})")
        for name in ("final_use", "export", "outflow", "imports", "inflow", "output"):
            s = getattr(self, name)
            check_labels(sectors, s.index, f"sectors ({name} vs Z in {where})")
            if not np.all(np.isfinite(s.to_numpy(dtype=float))):
                raise InputError(f"{where}: {name} has missing or infinite values")
        if not np.all(np.isfinite(self.Z.to_numpy(dtype=float))):
            raise InputError(f"{where}: intermediate flows have missing or infinite values")
        for name in ("export", "outflow", "imports", "inflow", "output"):
            s = getattr(self, name)
            if (s < 0).any():
                raise NegativeValueError(
                    f"{where}: negative {name} in sector(s) {show(list(s.index[s < 0]))}; "
                    "imports and inflows are entered as positive amounts"
                )
        use = pd.concat(
            [self.final_use, self.export, self.outflow, -self.imports, -self.inflow], axis=1
        )
        check_balance(self.Z, use, self.output, where=where)

    @property
    def A(self) -> pd.DataFrame:
        """Competitive-import technical coefficients ``A = Z X̂^-1``."""
        return calc_A(self.Z, self.output)


def tables_from_frame(df: pd.DataFrame, *, unit: str = "10^4 yuan") -> dict[str, ProvincialTable]:
    """Build provincial tables from one stacked frame (the CSV format of ``io-transfer``).

    Parameters
    ----------
    df : DataFrame
        Columns ``region``, ``sector``, one column per sector (the
        intermediate flows of that row), and ``final_use``, ``export``,
        ``outflow``, ``import``, ``inflow``, ``output``.  One row per
        province and supplying sector; every province lists the same sectors
        in the same order.

    Returns
    -------
    dict
        ``{region: ProvincialTable}`` in the order of first appearance.

    Raises
    ------
    InputError
        Missing columns, sector lists that differ between provinces or from
        the flow columns, unbalanced tables.
    """
    need = {"region", "sector", *TABLE_COLUMNS}
    missing = sorted(need - set(df.columns))
    if missing:
        raise InputError(
            f"provincial IO table lacks column(s) {missing}; expected region, sector, "
            "one column per sector, and " + ", ".join(TABLE_COLUMNS)
        )
    out: dict[str, ProvincialTable] = {}
    first = None
    value_cols = [c for c in df.columns if c not in ("region", "sector")]
    conv = {c: pd.to_numeric(df[c], errors="coerce") for c in value_cols
            if not pd.api.types.is_float_dtype(df[c]) and not pd.api.types.is_integer_dtype(df[c])}
    if conv:
        df = df.assign(**conv)
    for reg, g in df.groupby("region", sort=False):
        sectors = [str(s) for s in g["sector"]]
        if len(set(sectors)) != len(sectors):
            raise InputError(f"IO table of {reg}: duplicated sector rows")
        if first is None:
            first = sectors
        check_labels(first, sectors, f"sectors (province {reg} vs {df['region'].iloc[0]})")
        flow_cols = [c for c in df.columns if str(c) in set(sectors)]
        check_labels(sectors, [str(c) for c in flow_cols], f"sectors (flow columns vs rows of {reg})")
        g = g.set_index(g["sector"].astype(str))
        g.index.name = "sector"
        num = g[[*flow_cols, *TABLE_COLUMNS]]
        if num.isna().to_numpy().any():
            bad = num.columns[num.isna().any()].tolist()
            raise InputError(
                f"IO table of {reg}: empty or non-numeric values in column(s) {show(bad)} "
                "(remove thousands separators and fill blanks with 0)"
            )
        g = num
        Z = g[flow_cols].astype(float)
        Z.columns = sectors
        vec = {c: g[c].astype(float) for c in TABLE_COLUMNS}
        out[str(reg)] = ProvincialTable(
            region=str(reg), Z=Z, final_use=vec["final_use"], export=vec["export"],
            outflow=vec["outflow"], imports=vec["import"], inflow=vec["inflow"],
            output=vec["output"], unit=unit,
        )
    if not out:
        raise InputError("provincial IO table is empty")
    return out


# --------------------------------------------------------------------------- intensities
def calc_direct_intensity(emissions: pd.Series, output: pd.Series) -> pd.Series:
    """Direct intensity ``d_i = C_i / X_i`` from known province-sector emissions.

    Units: unit(emissions) / unit(output), e.g. t CO2 per 10^4 yuan.
    Emissions may come from the CEADs inventory (mapped to the IO sectors).
    """
    check_labels(output.index, emissions.index, "sectors (emissions vs output)")
    return calc_S(emissions.astype(float), output.astype(float)).rename("intensity")


def calc_adjusted_intensity(
    national_intensity: pd.Series,
    province_emissions: float,
    province_output: float,
    national_emissions: float,
    national_output: float,
) -> pd.Series:
    """Seed 002's province intensities from national sector intensities.

    Parameters
    ----------
    national_intensity : Series
        National direct intensity of every sector ``d^n_i`` (e.g. t CO2 per
        10^4 yuan).
    province_emissions, province_output : float
        The province's total emissions ``C^r`` and total output (or GDP) ``X^r``.
    national_emissions, national_output : float
        The nation's totals ``C^n`` and ``X^n`` (same units, same output concept).

    Returns
    -------
    Series
        ``d^r_i = d^n_i x (C^r / X^r) / (C^n / X^n)``.

    Notes
    -----
    Used when province-sector emissions are unknown: every sector of the
    province is assumed to be as much cleaner or dirtier than the national
    sector as the province's economy is overall.  The ratio uses whatever
    output concept the caller passes (seed 002: total output); pass GDP to
    both if the study scales by carbon per GDP.
    """
    for name, v in (("province_output", province_output), ("national_output", national_output),
                    ("national_emissions", national_emissions)):
        if not v > 0:
            raise ZeroCapacityError(f"{name} must be > 0 to form an overall intensity, got {v}")
    if province_emissions < 0:
        raise NegativeValueError(f"province_emissions is negative ({province_emissions})")
    ratio = (province_emissions / province_output) / (national_emissions / national_output)
    return (national_intensity.astype(float) * ratio).rename("intensity")


def province_intensities(
    tables: Mapping[str, ProvincialTable],
    *,
    emissions: pd.DataFrame | None = None,
    national_intensity: pd.Series | None = None,
    province_emissions: pd.Series | None = None,
    national_emissions: float | None = None,
    national_output: float | None = None,
    national_for: Iterable[str] = ("Tibet",),
    with_source: bool = False,
):
    """Direct intensities of every province, by the direct or the adjusted method.

    Parameters
    ----------
    tables : dict of ProvincialTable
    emissions : DataFrame, optional
        Direct method: long table ``region, sector, emissions`` (e.g. t CO2)
        of province-sector emissions in the tables' sectors;
        ``d^r_i = C^r_i / X^r_i``.
    national_intensity : Series, optional
        Adjusted method (seed 002): national sector intensities ``d^n_i``,
        used with ``province_emissions`` (Series region -> total emissions).
        ``national_emissions``/``national_output`` default to the sums over the
        provinces with emissions (their totals and their tables' total output).
    national_for : iterable of str
        Provinces that take the national intensity when they have no
        emission data (seed 002, footnote 3: the *China Energy Statistical
        Yearbook 2018* has no energy data for Tibet, "西藏的直接碳排放系数向量由
        中国整体直接碳排放系数替代").  Adjusted method: ``d^n``; direct
        method: the pooled intensity of the provinces with data,
        ``Σ_r C^r_i / Σ_r X^r_i``.  Any other province without data is an error.
    with_source : bool
        Also return a Series ``region -> "adjusted" | "direct" | "national"``
        (pass it to :func:`trade_carbon` as ``intensity_source``).

    Returns
    -------
    DataFrame, or (DataFrame, Series) with ``with_source``
        Rows provinces (keys of ``tables``), columns sectors.
    """
    if (emissions is None) == (national_intensity is None):
        raise InputError("give either province-sector emissions (direct method) or national "
                         "sector intensities with province totals (adjusted method)")
    fallback = set()
    for name in national_for:
        try:
            fallback.add(regions.lookup(name))
        except InputError:
            fallback.add(str(name))

    def _falls_back(reg) -> bool:
        try:
            return regions.lookup(reg) in fallback
        except InputError:
            return str(reg) in fallback

    rows, source = {}, {}
    if emissions is not None:
        miss = [c for c in ("region", "sector", "emissions") if c not in emissions.columns]
        if miss:
            raise InputError(f"emissions table lacks column(s) {miss}")
        em = emissions.assign(sector=emissions["sector"].astype(str))
        by_reg = {str(k): v for k, v in em.groupby(em["region"].astype(str), sort=False)}
        no_data = []
        for reg, t in tables.items():
            sub = by_reg.get(str(reg), em.iloc[:0])
            if sub.empty:
                if _falls_back(reg):
                    no_data.append(reg)
                    continue
                raise InputError(f"emissions table has no rows for province {reg!r}")
            if sub["sector"].duplicated().any():
                raise InputError(f"emissions table repeats sectors for province {reg!r}")
            e = pd.to_numeric(sub.set_index("sector")["emissions"], errors="coerce")
            bad = e.index[~np.isfinite(e.to_numpy(dtype=float))]
            if len(bad):
                raise MissingDataError(
                    f"emissions table: emissions of province {reg!r} are missing, not a number "
                    f"or infinite for sector(s) {', '.join(map(str, bad[:10]))}; give a number "
                    "for every sector (0 where there are none)"
                )
            # any row order is fine, but the sector sets must agree
            check_labels(sorted(t.sectors), sorted(e.index), f"sectors (emissions vs IO table of {reg})")
            if (e < 0).any():
                raise NegativeValueError(f"negative emissions for province {show(reg)}; "
                                        "emissions must be >= 0: correct the table")
            rows[reg] = calc_direct_intensity(e.reindex(list(t.sectors)), t.output)
            source[reg] = "direct"
        if no_data:
            have = [r for r in tables if r in rows]
            if not have:
                raise InputError("emissions table has no rows for any province")
            C = sum(rows[r] * tables[r].output for r in have)
            X = sum(tables[r].output for r in have)
            pooled = calc_S(C, X).rename("intensity")
            for reg in no_data:
                rows[reg] = pooled.reindex(list(tables[reg].sectors))
                source[reg] = "national"
        out = pd.DataFrame({r: rows[r] for r in tables}).T.rename_axis("region")
        src = pd.Series(source, name="intensity_source").reindex(list(tables))
        return (out, src) if with_source else out
    if province_emissions is None:
        raise InputError("the adjusted method needs province total emissions")
    pe = province_emissions.dropna()
    no_data = [r for r in tables if r not in pe.index]
    missing = [r for r in no_data if not _falls_back(r)]
    if missing:
        raise InputError(f"province total emissions missing for {missing}")
    have = [r for r in tables if r in pe.index]
    out_tot = {r: float(tables[r].output.sum()) for r in have}
    n_em = float(pe.loc[have].sum()) if national_emissions is None else national_emissions
    n_out = float(sum(out_tot.values())) if national_output is None else national_output
    for reg, t in tables.items():
        check_labels(t.sectors, national_intensity.index, f"sectors (national intensities vs {reg})")
        if reg in out_tot:
            rows[reg] = calc_adjusted_intensity(national_intensity, float(pe[reg]),
                                                out_tot[reg], n_em, n_out)
            source[reg] = "adjusted"
        else:
            rows[reg] = national_intensity.astype(float).reindex(list(t.sectors)).rename("intensity")
            source[reg] = "national"
    out = pd.DataFrame(rows).T.rename_axis("region")
    src = pd.Series(source, name="intensity_source").reindex(list(tables))
    return (out, src) if with_source else out


# --------------------------------------------------------------------------- treatments
def domestic_share(table: ProvincialTable, treatment: Treatment = "domestic_share") -> pd.Series:
    """Domestic share ``δ_i`` of the supply of product ``i`` under a treatment.

    ``domestic_share``: imports and inflows serve intermediate and domestic
    final use only, ``δ_i = 1 - (M_i + MP_i) / (Σ_j z_ij + Y_i)``.
    ``all_uses``: they serve every use including exports and outflows (re-exports),
    ``δ_i = 1 - (M_i + MP_i) / (Σ_j z_ij + Y_i + E_i + EP_i)``.
    ``net_outflow``: ``δ = 1`` (no scaling; the competitive table is used as is).
    Where the denominator is 0, ``δ_i = 1``.

    Raises
    ------
    InputError
        If imports plus inflows exceed the uses they are assumed to serve
        (``δ_i < 0``): the treatment is not applicable to that table.
    """
    _check_treatment(treatment)
    idx = list(table.sectors)
    if treatment == "net_outflow":
        return pd.Series(1.0, index=idx, name="domestic_share")
    use = table.Z.sum(axis=1) + table.final_use
    if treatment == "all_uses":
        use = use + table.export + table.outflow
    imp = table.imports + table.inflow
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(use.to_numpy() != 0, 1.0 - imp.to_numpy() / use.to_numpy(), 1.0)
    bad = d < -1e-12
    if bad.any():
        raise InputError(
            f"IO table of {table.region}: imports + inflows exceed the uses they serve under "
            f"treatment {treatment!r} in sector(s) {show([idx[i] for i in np.flatnonzero(bad)])}; "
            "use treatment 'all_uses' or 'net_outflow'"
        )
    return pd.Series(np.clip(d, 0.0, None), index=idx, name="domestic_share")


def _check_treatment(treatment: str) -> None:
    if treatment not in TREATMENTS:
        raise InputError(f"unknown import treatment {treatment!r}; use one of {', '.join(TREATMENTS)}")


def technical_coefficients(table: ProvincialTable, treatment: Treatment = "net_outflow") -> pd.DataFrame:
    """Coefficient matrix used for the multipliers under an import treatment.

    ``net_outflow``: the competitive ``A``; ``domestic_share``/``all_uses``:
    the domestic ``A^d = δ̂ A`` (Weber et al. 2008; Su & Ang 2013).
    """
    A = table.A
    d = domestic_share(table, treatment)
    return A.mul(d, axis=0)


# --------------------------------------------------------------------------- multipliers
def province_multipliers(
    tables: Mapping[str, ProvincialTable],
    intensity: pd.DataFrame,
    treatment: Treatment = "net_outflow",
) -> pd.DataFrame:
    """Total carbon multipliers ``m^r = d^r (I - A^r)^-1`` of every province.

    Parameters
    ----------
    tables : dict of ProvincialTable
    intensity : DataFrame
        Direct intensities, one row per province (index = the same keys as
        ``tables``), one column per sector (t CO2 per unit of output).
    treatment : {"net_outflow", "domestic_share", "all_uses"}

    Returns
    -------
    DataFrame
        Rows provinces, columns sectors; t CO2 per unit of final demand.
    """
    _check_treatment(treatment)
    rows = {}
    for reg, t in tables.items():
        if reg not in intensity.index:
            raise InputError(f"no direct intensities for province {reg!r}")
        d = intensity.loc[reg]
        check_labels(t.sectors, d.index, f"sectors (intensities vs IO table of {reg})")
        rows[reg] = calc_M(d.astype(float), technical_coefficients(t, treatment))
    return pd.DataFrame(rows).T.rename_axis("region")


def national_multipliers(tables: Mapping[str, ProvincialTable], multipliers: pd.DataFrame) -> pd.Series:
    """Output-weighted national average multipliers ``m^n_i = Σ_r m^r_i X^r_i / Σ_r X^r_i``.

    The fallback multipliers of inflows (``CMP``) when no national table is
    given (seed 002 uses the national table's total coefficients,
    :func:`national_table_multipliers`).
    """
    X = pd.DataFrame({r: t.output for r, t in tables.items()}).T
    w = X.sum(axis=0)
    num = (multipliers.loc[X.index] * X).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        m = np.where(w > 0, num / w, multipliers.loc[X.index].mean(axis=0))
    return pd.Series(m, index=X.columns, name="national_multiplier")


def national_table_multipliers(
    national: ProvincialTable, intensity: pd.Series, treatment: Treatment = "net_outflow",
) -> pd.Series:
    """Total multipliers of the national table, ``m^n = d^n (I - A^n)^-1``.

    Seed 002 values inflows with "China's overall total-coefficient vector"
    (国内流入隐含碳中的完全碳排放系数向量，由中国整体完全碳排放系数向量近似替代):
    the national IO table's Leontief inverse with the national direct
    intensities ``d^n`` (t CO2 per monetary unit).

    Parameters
    ----------
    national : ProvincialTable
        The national table (outflows and inflows 0), same sectors as the
        provincial tables (aggregate both with the same concordance).
    intensity : Series
        National direct intensities ``d^n_i`` by sector.
    treatment : str
        The same import treatment as the provinces.
    """
    _check_treatment(treatment)
    check_labels(national.sectors, intensity.index, "sectors (national intensities vs national table)")
    return calc_M(intensity.astype(float).reindex(list(national.sectors)),
                  technical_coefficients(national, treatment)).rename("national_multiplier")


# --------------------------------------------------------------------------- indicators
def classify_trade_type(N, NP):
    """Seed 002's type of a province from net foreign (N) and domestic (NP) carbon trade.

    ``I``: N > 0 and NP > 0 (net carbon exporter abroad and to other provinces);
    ``II``: N < 0, NP > 0; ``III``: N < 0, NP < 0; ``IV``: N > 0, NP < 0.
    A zero balance has no type (empty string).
    """
    n = np.asarray(N, dtype=float)
    p = np.asarray(NP, dtype=float)
    out = np.full(np.broadcast(n, p).shape, "", dtype=object)
    out[(n > 0) & (p > 0)] = "I"
    out[(n < 0) & (p > 0)] = "II"
    out[(n < 0) & (p < 0)] = "III"
    out[(n > 0) & (p < 0)] = "IV"
    if isinstance(N, pd.Series):
        return pd.Series(out, index=N.index, name="type")
    return out if out.shape else out.item()


def _ratio(a, b):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b != 0, a / np.where(b != 0, b, 1.0), np.nan)


@dataclass
class TradeCarbon:
    """Result of :func:`trade_carbon`.

    Attributes
    ----------
    by_region : DataFrame
        One row per province: ``region_code``, ``region``, trade totals
        ``E, M, EP, MP`` (monetary), embodied carbon ``CE, CM, CEP, CMP``,
        ``N, NP, T`` (t CO2 if intensities are t CO2 per monetary unit),
        ``CTT``, ``CTTp``, ``type``, ``CMP_multipliers`` (how inflows were
        valued) and, when known, ``intensity_source``.
    by_sector : DataFrame
        One row per province and sector: output ``X``, trade, embodied
        carbon, ``ECC``, ``PECC``.
    multipliers : DataFrame
        The province multipliers used for exports and outflows.
    inflow_multipliers : Series or DataFrame
        The multipliers used for inflows (``CMP``).
    """

    by_region: pd.DataFrame
    by_sector: pd.DataFrame
    multipliers: pd.DataFrame
    inflow_multipliers: pd.Series | pd.DataFrame | None = None


def trade_carbon(
    tables: Mapping[str, ProvincialTable],
    intensity: pd.DataFrame,
    *,
    treatment: Treatment = "net_outflow",
    import_multipliers: pd.Series | pd.DataFrame | None = None,
    inflow_multipliers: pd.Series | pd.DataFrame | None = None,
    national_table: ProvincialTable | None = None,
    national_intensity: pd.Series | None = None,
    intensity_source: pd.Series | None = None,
) -> TradeCarbon:
    """Carbon embodied in the foreign and inter-provincial trade of each province.

    Parameters
    ----------
    tables : dict of ProvincialTable
        Provincial tables with identical sector lists.
    intensity : DataFrame
        Direct intensities ``d^r`` (rows provinces, columns sectors), e.g. from
        :func:`calc_direct_intensity` or :func:`calc_adjusted_intensity`; unit
        t CO2 per monetary unit of the tables.
    treatment : {"net_outflow", "domestic_share", "all_uses"}
        How imports and inflows of the competitive tables are handled:

        ``net_outflow`` (seed 002, default)
            Multipliers from the competitive ``A``; exports, outflows, imports
            and inflows valued as they are, so ``N = m (E - M)`` is the carbon in
            net exports and ``NP`` the carbon in net outflows.
        ``domestic_share``
            Intermediate and domestic final use are scaled by the domestic
            share ``δ_i = 1 - (M_i+MP_i)/(Σ_j z_ij + Y_i)``; multipliers from
            ``A^d = δ̂ A``; exports and outflows are wholly domestic.
        ``all_uses``
            Every use is scaled by ``δ_i = 1 - (M_i+MP_i)/(Σ_j z_ij+Y_i+E_i+EP_i)``;
            only ``δ̂ E`` and ``δ̂ EP`` are domestic production, the rest is
            re-export and carries no domestic carbon; the output's ``E``/``EP``
            (and CTT, ECC, PECC) then refer to ``δ̂ E``/``δ̂ EP``.

    import_multipliers : Series (sectors) or DataFrame (provinces x sectors), optional
        Multipliers ``d^m (I - A^m)^-1`` of the imports' origin.  Default:
        technology homogeneity, each province's own multipliers.
    inflow_multipliers : Series or DataFrame, optional
        Multipliers of the inflows: a Series (sectors) applies to every
        province, a DataFrame gives one row per receiving province (e.g.
        source-province multipliers weighted by the inflow origins).
    national_table : ProvincialTable, optional
        The national IO table (seed 002: 《中国 2017 年投入产出表》).  When
        given (and ``inflow_multipliers`` is not), inflows are valued with
        its total multipliers ``m^n = d^n (I - A^n)^-1``
        (:func:`national_table_multipliers`), as the seed does.  Without it
        the fallback is :func:`national_multipliers` (output-weighted mean of
        the provinces' multipliers).  Column ``CMP_multipliers`` of
        ``by_region`` records which was used: ``"national table"``,
        ``"provincial mean"`` or ``"given"``.
    national_intensity : Series, optional
        ``d^n`` for the national table; default: the pooled intensity of the
        given provinces, ``Σ_r d^r_i X^r_i / Σ_r X^r_i``.
    intensity_source : Series, optional
        ``region -> how d^r was obtained`` (from
        :func:`province_intensities` with ``with_source=True``), copied to
        ``by_region["intensity_source"]``.

    Returns
    -------
    TradeCarbon

    Notes
    -----
    Formulas in the module docstring.  Imports and inflows are valued with
    the multipliers of the same treatment as exports (technology
    homogeneity applied symmetrically).  Ratios with a zero denominator
    (``CTT`` of a province without imports, ``ECC_i`` of a sector without
    exports) are NaN.
    """
    _check_treatment(treatment)
    if not tables:
        raise InputError("no provincial tables given")
    regs = list(tables)
    sectors = list(next(iter(tables.values())).sectors)
    for r in regs:
        check_labels(sectors, tables[r].sectors, f"sectors (IO table of {r} vs {regs[0]})")
    mult = province_multipliers(tables, intensity, treatment)
    if inflow_multipliers is not None:
        cmp_source = "given"
    elif national_table is not None:
        check_labels(sectors, national_table.sectors, "sectors (national table vs provincial tables)")
        if national_intensity is None:
            C = sum(intensity.loc[r].astype(float) * tables[r].output for r in regs)
            X = sum(tables[r].output for r in regs)
            national_intensity = calc_S(C.reindex(sectors), X.reindex(sectors))
        inflow_multipliers = national_table_multipliers(national_table, national_intensity, treatment)
        cmp_source = "national table"
    else:
        inflow_multipliers = national_multipliers(tables, mult)
        cmp_source = "provincial mean"

    def _pick(src, reg, name):
        if isinstance(src, pd.DataFrame):
            if reg not in src.index:
                raise InputError(f"{name} has no row for province {show(reg)}")
            s = src.loc[reg]
        else:
            s = src
        check_labels(sectors, s.index, f"sectors ({name} vs IO tables)")
        return s.to_numpy(dtype=float)

    region_rows, sector_rows = [], []
    for reg in regs:
        t = tables[reg]
        m = mult.loc[reg].to_numpy(dtype=float)
        delta = domestic_share(t, treatment).to_numpy()
        scale_exports = delta if treatment == "all_uses" else np.ones_like(delta)
        E = t.export.to_numpy(dtype=float) * scale_exports
        EP = t.outflow.to_numpy(dtype=float) * scale_exports
        M = t.imports.to_numpy(dtype=float)
        MP = t.inflow.to_numpy(dtype=float)
        mm = m if import_multipliers is None else _pick(import_multipliers, reg, "import_multipliers")
        mp = _pick(inflow_multipliers, reg, "inflow_multipliers")
        ce, cep, cm, cmp_ = m * E, m * EP, mm * M, mp * MP
        CE, CEP, CM, CMP = ce.sum(), cep.sum(), cm.sum(), cmp_.sum()
        N, NP = CE - CM, CEP - CMP
        region_rows.append({
            "region": reg, "E": E.sum(), "M": M.sum(), "EP": EP.sum(), "MP": MP.sum(),
            "CE": CE, "CM": CM, "CEP": CEP, "CMP": CMP, "N": N, "NP": NP, "T": N + NP,
            "CTT": float(_ratio(_ratio(CE, E.sum()), _ratio(CM, M.sum()))),
            "CTTp": float(_ratio(_ratio(CEP, EP.sum()), _ratio(CMP, MP.sum()))),
            "type": classify_trade_type(N, NP), "CMP_multipliers": cmp_source,
            "intensity_source": (None if intensity_source is None else intensity_source.get(reg)),
        })
        ecc = _ratio(_ratio(ce, CE), _ratio(E, E.sum()))
        pecc = _ratio(_ratio(cep, CEP), _ratio(EP, EP.sum()))
        sector_rows.append(pd.DataFrame({
            "region": reg, "sector": sectors, "multiplier": m, "X": t.output.to_numpy(dtype=float),
            "E": E, "EP": EP, "M": M, "MP": MP,
            "CE": ce, "CEP": cep, "CM": cm, "CMP": cmp_, "ECC": ecc, "PECC": pecc,
        }))
    by_region = pd.DataFrame(region_rows)
    if intensity_source is None:
        by_region = by_region.drop(columns="intensity_source")
    by_region = regions.attach_codes(by_region, "region", where="provincial IO tables")
    by_sector = regions.attach_codes(pd.concat(sector_rows, ignore_index=True), "region",
                                     where="provincial IO tables")
    return TradeCarbon(by_region=by_region, by_sector=by_sector, multipliers=mult,
                       inflow_multipliers=inflow_multipliers)


_ADDITIVE = ("E", "M", "EP", "MP", "CE", "CM", "CEP", "CMP", "N", "NP", "T")


def trade_carbon_from_tables(
    tables: Mapping[str, ProvincialTable],
    *,
    emissions: pd.DataFrame | None = None,
    national_intensity: pd.Series | None = None,
    province_emissions: pd.Series | None = None,
    national_emissions: float | None = None,
    national_output: float | None = None,
    national_table: ProvincialTable | None = None,
    concordance: str | None = None,
    national_for: Iterable[str] = ("Tibet",),
    treatment: Treatment = "net_outflow",
) -> TradeCarbon:
    """Seed 002's workflow: (aggregated) tables and emissions to trade carbon.

    The one sequence behind the CLI's ``io-transfer`` and QGIS's
    ``io_trade_carbon``: optionally aggregate the provincial tables, the
    national table and the emissions with a bundled sector concordance
    (``seed002_2017``: the 42 products of the 2017 tables to the seed's 30
    sectors; ``seed002_2012``), take the direct intensities by the direct or
    the adjusted method (:func:`province_intensities`, the provinces of
    ``national_for`` taking the national intensity), and compute
    :func:`trade_carbon` with inflows valued by the national table's
    multipliers when one is given.

    Parameters
    ----------
    tables : dict of ProvincialTable
        The provinces' tables (10^4 yuan or another monetary unit).
    emissions : DataFrame, optional
        Direct method: ``region, sector, emissions`` (e.g. t CO2), in the
        tables' sectors (aggregated with ``concordance`` too).
    national_intensity : Series, optional
        Adjusted method: national sector intensities (t CO2 per monetary
        unit), with ``province_emissions`` (Series region -> t CO2); also
        the ``d^n`` of the national table.  Already in the target sectors
        (intensities are not additive: a concordance cannot sum them).
    province_emissions, national_emissions, national_output
        See :func:`province_intensities`.
    national_table : ProvincialTable, optional
        The national table (seed 002: inflows valued with its total
        multipliers; ``by_region["CMP_multipliers"]`` says which were used).
    concordance : str, optional
        Bundled sector concordance applied first (:func:`~spatial_carbon.
        inputoutput.concordance.concordance_names`).
    national_for : iterable of str
        Provinces without emission data that take the national intensity
        (default Tibet, seed 002 footnote 3); empty for none.
    treatment : {"net_outflow", "domestic_share", "all_uses"}
        Import treatment (:func:`trade_carbon`).

    Returns
    -------
    TradeCarbon
        With ``by_region["intensity_source"]`` (direct, adjusted or national).
    """
    from spatial_carbon.inputoutput.concordance import aggregate_long, aggregate_sectors

    if emissions is None and (national_intensity is None or province_emissions is None):
        raise InputError("give province-sector emissions (direct method), or national sector "
                         "intensities with province total emissions (adjusted method)")
    if concordance:
        if emissions is None:
            raise InputError(f"intensities are not additive: with the sector concordance "
                             f"{show(concordance)} give province-sector emissions (direct method), "
                             "or national intensities already in the aggregated sectors and "
                             "no concordance")
        tables = {r: aggregate_sectors(t, concordance) for r, t in tables.items()}
        if national_table is not None:
            national_table = aggregate_sectors(national_table, concordance)
        if "sector" in emissions.columns:
            emissions = aggregate_long(emissions, concordance, "emissions")
    nfor = [str(x).strip() for x in national_for if str(x).strip()]
    if emissions is not None:
        inten, src = province_intensities(tables, emissions=emissions, national_for=nfor,
                                          with_source=True)
    else:
        inten, src = province_intensities(
            tables, national_intensity=national_intensity, province_emissions=province_emissions,
            national_emissions=national_emissions, national_output=national_output,
            national_for=nfor, with_source=True)
    return trade_carbon(tables, inten, treatment=treatment, national_table=national_table,
                        national_intensity=(national_intensity if national_table is not None
                                            else None),
                        intensity_source=src)


def aggregate_trade_regions(by_region: pd.DataFrame, scheme: str = "seed002_8") -> pd.DataFrame:
    """Sum provincial trade carbon to region groups (e.g. the 8 economic regions).

    Additive columns (trade, embodied carbon, balances) are summed; ``CTT``,
    ``CTTp`` and ``type`` are recomputed from the sums.  Trade between
    provinces of the same group stays in ``EP``/``MP`` (single-region tables
    do not say where outflows go).
    """
    g = regions.grouping(scheme)
    df = by_region.copy()
    missing = sorted(set(df["region_code"]) - set(g.index))
    if missing:
        raise InputError(f"grouping {scheme!r} does not cover region code(s) {show(list(missing))}")
    df["group"] = df["region_code"].map(g)
    out = df.groupby("group", sort=False)[list(_ADDITIVE)].sum().reset_index()
    out["CTT"] = _ratio(_ratio(out["CE"], out["E"]), _ratio(out["CM"], out["M"]))
    out["CTTp"] = _ratio(_ratio(out["CEP"], out["EP"]), _ratio(out["CMP"], out["MP"]))
    out["type"] = classify_trade_type(out["N"], out["NP"])
    return out.rename(columns={"group": scheme})


def sector_group_carbon(by_sector: pd.DataFrame, groups: str | Mapping | pd.Series = "seed002_30_6") -> pd.DataFrame:
    """Seed 002's Table 6: trade carbon of sector groups, ratios from group totals.

    Parameters
    ----------
    by_sector : DataFrame
        ``TradeCarbon.by_sector`` (columns ``region, sector, X, E, EP, CE,
        CEP, CM, CMP``).
    groups : str, dict or Series
        Sector -> group: a bundled concordance name (default
        ``"seed002_30_6"``: the seed's six groups, sectors named by code,
        Chinese or English name) or a mapping.

    Returns
    -------
    DataFrame
        One row per province and group: the sums ``X, E, EP, CE, CEP, CM,
        CMP``, ``output_share_pct = 100 X_g/X``, ``export_share_pct = 100
        E_g/E``, ``outflow_share_pct = 100 EP_g/EP``, ``ECC = (CE_g/CE) /
        (E_g/E)``, ``PECC = (CEP_g/CEP) / (EP_g/EP)``, ``N = CE_g - CM_g``,
        ``NP = CEP_g - CMP_g``.

    Notes
    -----
    The group ratios are formed from the group totals (``CE_g = Σ_{i∈g}
    CE_i``), never by adding or averaging sector ratios, so that
    ``Σ_g (E_g/E) ECC_g = 1`` as in the seed's Table 6 (Zhejiang:
    0.0024·0.41 + 0.0013·0.47 + 0.8952·1.05 + 0.1011·0.56 = 0.998).  A group
    without exports (``E_g = 0``) has an undefined ECC (0/0): NaN here,
    where the seed's Table 6 prints 0.00 (Zhejiang's and Guizhou's
    utilities and construction).
    """
    from spatial_carbon.inputoutput.concordance import resolve_sectors, sector_concordance

    need = ["region", "sector", "X", "E", "EP", "CE", "CEP", "CM", "CMP"]
    miss = [c for c in need if c not in by_sector.columns]
    if miss:
        raise InputError(f"sector table lacks column(s) {miss}; pass TradeCarbon.by_sector")
    if isinstance(groups, str):
        conc = sector_concordance(groups)
        uniq = list(dict.fromkeys(by_sector["sector"]))
        keys = dict(zip(uniq, resolve_sectors(uniq, groups)))
        g = by_sector["sector"].map(keys).map(conc)
    else:
        m = pd.Series(groups) if isinstance(groups, dict) else groups
        g = by_sector["sector"].map(m)
        if g.isna().any():
            raise InputError(f"no group for sector(s) {show(sorted(set(by_sector.loc[g.isna(), 'sector'])))}")
    df = by_sector.assign(group=g.to_numpy())
    keys = ["region_code", "region"] if "region_code" in df.columns else ["region"]
    add = ["X", "E", "EP", "CE", "CEP", "CM", "CMP"]
    out = df.groupby([*keys, "group"], sort=False)[add].sum().reset_index()
    tot = out.groupby(keys, sort=False)[add].transform("sum")
    out["output_share_pct"] = 100 * _ratio(out["X"], tot["X"])
    out["export_share_pct"] = 100 * _ratio(out["E"], tot["E"])
    out["outflow_share_pct"] = 100 * _ratio(out["EP"], tot["EP"])
    out["ECC"] = _ratio(_ratio(out["CE"], tot["CE"]), _ratio(out["E"], tot["E"]))
    out["PECC"] = _ratio(_ratio(out["CEP"], tot["CEP"]), _ratio(out["EP"], tot["EP"]))
    out["N"] = out["CE"] - out["CM"]
    out["NP"] = out["CEP"] - out["CMP"]
    return out


def stack_intensity(intensities: Mapping[str, pd.Series] | Iterable) -> pd.DataFrame:
    """Rows-per-province intensity frame from ``{region: Series}``."""
    return pd.DataFrame(dict(intensities)).T.rename_axis("region")
