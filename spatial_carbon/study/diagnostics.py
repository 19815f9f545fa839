"""Degenerate-but-valid results said in words, with the numbers (pure).

Each check takes the study's tables (DataFrames) and returns a list of
:class:`Finding` (code, one plain sentence with the numbers, the numbers as
data); :func:`diagnose` runs them all.  The pipeline records the findings in
the manifest (``diagnostics``) and the report prints them, so that a reader
of a map knows when it shows something other than what its title suggests.

On the bundled provincial demo every check fires: every province is in
deficit from 2008 on (so ICF_size = CEC, land cover not emissions); Shanghai
has 0 hm2 of forest in the MODIS sample; CEC is constant because the land
cover covers one year; one natural-breaks class holds 26 of 30 provinces for
ICF_depth; and Shanghai alone holds over half of the summed depth.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..errors import shortlist
from ..spatial.classify import breaks_table

#: Share of the regions in one natural-breaks class from which the classes
#: are said to be degenerate.
CLASS_SHARE = 0.8
#: Share of a year's sum held by one region from which a distribution is
#: said to be dominated by that region.
DOMINANT_SHARE = 0.5


@dataclasses.dataclass
class Finding:
    """One degenerate result.

    Attributes
    ----------
    code : str
        Stable identifier (``all_deficit``, ``zero_area``, ``constant_cec``,
        ``dominant_class``, ``dominant_region``, ...).
    message : str
        One or two plain sentences with the numbers.
    data : dict
        The numbers (JSON-ready).
    """

    code: str
    message: str
    data: dict[str, Any] = dataclasses.field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "data": self.data}


def _name_col(df: pd.DataFrame) -> str:
    return "region" if "region" in df.columns else "region_code"


def _years_text(years: Sequence[int]) -> str:
    """2008-2019, or 2000, 2003-2005."""
    ys = sorted(int(y) for y in years)
    if not ys:
        return ""
    runs, start, prev = [], ys[0], ys[0]
    for y in ys[1:] + [None]:
        if y is not None and y == prev + 1:
            prev = y
            continue
        runs.append(f"{start}" if start == prev else f"{start}-{prev}")
        if y is not None:
            start = prev = y
    return ", ".join(runs)


def _fmt(v: float) -> str:
    a = abs(v)
    if a >= 100:
        return f"{v:,.0f}"
    return f"{v:.3g}"


def deficit(fp: pd.DataFrame) -> list[Finding]:
    """Regions in deficit (ICF > CEC): then ICF_size = CEC.

    Fires when every region is in deficit in at least one year, or at least
    :data:`CLASS_SHARE` of the region-years are.
    """
    need = {"year", "ICF", "CEC"}
    if not need <= set(fp.columns) or fp.empty:
        return []
    d = fp.assign(_def=fp["ICF"] > fp["CEC"])
    per_year = d.groupby("year")["_def"].agg(["sum", "count"])
    all_years = [int(y) for y, r in per_year.iterrows() if r["sum"] == r["count"]]
    n_def, n = int(d["_def"].sum()), len(d)
    if not all_years and n_def < CLASS_SHARE * n:
        return []
    if len(all_years) == len(per_year):
        head = (f"Every region is in deficit (ICF > CEC) in every year ({n_def} of {n} "
                "region-years)")
    elif all_years:
        head = (f"Every region is in deficit (ICF > CEC) in {len(all_years)} of {len(per_year)} "
                f"years ({_years_text(all_years)}), and {n_def} of {n} region-years "
                f"({n_def / n:.0%}) are")
    else:
        head = f"{n_def} of {n} region-years ({n_def / n:.0%}) are in deficit (ICF > CEC)"
    msg = (head + ": there ICF_size = min(ICF, CEC) = CEC, so maps, classes and statistics of "
           "ICF_size show the carbon-absorbing land (land cover), not emissions; ICF_depth "
           "carries the emissions.")
    return [Finding("all_deficit", msg, {"deficit_region_years": n_def, "region_years": n,
                                         "years_all_in_deficit": all_years})]


def zero_area(sinks: pd.DataFrame) -> list[Finding]:
    """Regions with zero area of a sink class (e.g. no forest) in the land cover."""
    cols = [c for c in sinks.columns if c.startswith("A_") and c.endswith("_hm2")]
    if not cols or sinks.empty:
        return []
    out = []
    name = _name_col(sinks)
    for c in cols:
        cls = c[2:-4]
        zero = sinks[sinks[c] == 0]
        if zero.empty:
            continue
        nyears = sinks["year"].nunique() if "year" in sinks else 1
        parts = []
        regions_ = []
        for reg, g in zero.groupby(name, sort=True):
            regions_.append(str(reg))
            ys = g["year"].unique() if "year" in g else []
            parts.append(f"{reg}" + ("" if len(ys) == nyears else f" ({_years_text(ys)})"))
        shown = shortlist(parts)
        who = (f"{shown} has" if len(parts) == 1 else f"{len(parts)} regions have")
        out.append(Finding(
            "zero_area",
            f"{who} 0 hm2 of {cls} in the land cover"
            + ("" if len(parts) == 1 else f" ({shown})")
            + ": the sink there comes from the other classes only (a coarse raster misses "
            "small patches: check the land cover before reading the CEC of these regions).",
            {"class": cls, "regions": regions_}))
    return out


def constant_cec(fp: pd.DataFrame, areas: pd.DataFrame | None = None) -> list[Finding]:
    """CEC identical in every year (land cover of one year applied to all)."""
    if not {"year", "CEC", "region_code"} <= set(fp.columns) or fp["year"].nunique() < 2:
        return []
    def constant(col: str) -> bool:
        if col not in fp.columns:
            return False
        g = fp.groupby("region_code")[col]
        spread = (g.max() - g.min()) / g.max().where(g.max() != 0, 1.0)
        multi = g.size() > 1
        return bool(multi.any()) and bool((spread[multi] <= 1e-12).all())

    src = ""
    data: dict[str, Any] = {"years": int(fp["year"].nunique())}
    if areas is not None and "source_year" in areas.columns:
        sy = sorted(int(y) for y in pd.unique(areas["source_year"]))
        data["land_cover_years"] = sy
        src = f" because the land cover covers {len(sy)} year(s) ({_years_text(sy)})"
    if constant("CEC"):
        return [Finding(
            "constant_cec",
            f"CEC is the same in all {data['years']} years for every region{src}: trends, "
            "growth rates and projections of CEC are flat by construction, and changes of "
            "ICF_size and ICF_depth over time come from emissions alone.", data)]
    if constant("CS"):
        # national shares P_i over a set of regions that changes from year to year
        return [Finding(
            "constant_cec",
            f"The carbon sink CS is the same in all {data['years']} years for every region{src}; "
            "CEC = CS / D changes only through D = sum NEP_i x P_i, whose national shares P_i "
            "are taken over the regions with data in each year. Changes over time come from "
            "emissions and from which regions have data, not from land.", data)]
    return []


def dominant_class(breaks: pd.DataFrame, share: float = CLASS_SHARE) -> list[Finding]:
    """One natural-breaks class holding at least ``share`` of the regions."""
    if breaks.empty:
        return []
    breaks = breaks_table(breaks)
    need = {"column", "year", "pooled", "break_class", "lower", "upper", "count"}
    if not need <= set(breaks.columns):
        return []
    out = []
    for col, b in breaks.groupby("column", sort=False):
        yearly = b[~b["pooled"]]
        hits = []
        for year, g in yearly.groupby("year", sort=True):
            tot = g["count"].sum()
            top = g.loc[g["count"].idxmax()]
            if tot and top["count"] >= share * tot:
                hits.append((year, int(top["count"]), int(tot), top))
        pooled = b[b["pooled"]]
        ptop = None
        if len(pooled) and pooled["count"].sum():
            t = pooled.loc[pooled["count"].idxmax()]
            if t["count"] >= share * pooled["count"].sum():
                ptop = (int(t["count"]), int(pooled["count"].sum()), t)
        if not hits and ptop is None:
            continue
        parts = []
        if hits:
            y, c, tot, top = hits[-1]
            parts.append(
                f"in {len(hits)} of {yearly['year'].nunique()} years one class holds at least "
                f"{share:.0%} of the regions (in {y}: class {int(top['break_class'])}, "
                f"{_fmt(top['lower'])}-{_fmt(top['upper'])}, holds {c} of {tot})")
        if ptop is not None:
            c, tot, t = ptop
            parts.append(f"pooled over all years class {int(t['break_class'])} "
                         f"({_fmt(t['lower'])}-{_fmt(t['upper'])}) holds {c} of {tot} region-years")
        out.append(Finding(
            "dominant_class",
            f"Natural breaks of {col}: " + "; ".join(parts) + ". The map shows little variation "
            "among most regions; the other classes separate a few outliers.",
            {"column": col, "years": [str(h[0]) for h in hits],
             "counts": [[h[1], h[2]] for h in hits],
             "pooled": None if ptop is None else [ptop[0], ptop[1]]}))
    return out


def dominant_region(fp: pd.DataFrame, columns: Sequence[str],
                    share: float = DOMINANT_SHARE) -> list[Finding]:
    """A distribution in which one region holds at least ``share`` of a year's sum."""
    out = []
    name = _name_col(fp)
    for col in columns:
        if col not in fp.columns or "year" not in fp.columns:
            continue
        sub = fp.dropna(subset=[col])
        hits = []
        for year, g in sub.groupby("year", sort=True):
            tot = g[col].sum()
            if len(g) < 3 or not np.isfinite(tot) or tot <= 0:
                continue
            i = g[col].idxmax()
            if g.at[i, col] >= share * tot:
                hits.append((int(year), g.at[i, name], float(g.at[i, col] / tot),
                             float(g.at[i, col]), float(g[col].median())))
        if not hits:
            continue
        y, reg, s, v, med = hits[-1]
        who = sorted({str(h[1]) for h in hits})
        suggest = ("per-capita values (ICF_pc, CEC_pc) or a logarithmic scale"
                   if col in ("ICF_depth", "ICF", "ICD") else "a logarithmic scale")
        out.append(Finding(
            "dominant_region",
            f"{col} is dominated by one region: in {len(hits)} of {sub['year'].nunique()} years "
            f"the largest region holds at least {share:.0%} of the sum over all regions ({y}: "
            f"{reg} {_fmt(v)}, {s:.0%} of the sum, {v / med:,.0f} times the median "
            f"{_fmt(med)}; largest: {', '.join(who)}). Linear scales and means are driven by it; "
            f"consider {suggest}.",
            {"column": col, "years": [h[0] for h in hits], "regions": who,
             "last": {"year": y, "region": str(reg), "share": s, "value": v, "median": med}}))
    return out


def diagnose(tables: dict[str, pd.DataFrame], *, columns: Sequence[str] = ("ICF_depth",)
             ) -> list[Finding]:
    """Run every check on a study's tables (``footprint``, ``sinks``,
    ``areas``, ``breaks``); absent tables are skipped.

    Parameters
    ----------
    tables : dict of str -> DataFrame
    columns : sequence of str
        Footprint columns checked for domination by one region.

    Returns
    -------
    list of Finding
        In the order deficit, zero area, constant CEC, dominant class,
        dominant region.
    """
    fp = tables.get("footprint")
    out: list[Finding] = []
    if fp is not None:
        out += deficit(fp)
    if tables.get("sinks") is not None:
        out += zero_area(tables["sinks"])
    if fp is not None:
        out += constant_cec(fp, tables.get("areas"))
    if tables.get("breaks") is not None:
        out += dominant_class(tables["breaks"])
    if fp is not None:
        out += dominant_region(fp, columns)
    return out


__all__ = ["Finding", "CLASS_SHARE", "DOMINANT_SHARE", "deficit", "zero_area", "constant_cec",
           "dominant_class", "dominant_region", "diagnose"]
