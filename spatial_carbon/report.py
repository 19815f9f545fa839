"""Self-contained HTML report of a study output folder (I/O layer).

:func:`write_report` reads what :func:`spatial_carbon.study.write_outputs`
wrote -- ``manifest.json``, ``tables/*.csv`` and ``maps/*.png`` -- and writes
``report.html`` beside them: one file, images embedded as base64, no script,
no external resource, so it opens offline and can be mailed or archived.
Missing optional tables or figures do not stop it: the section says what is
missing.  The report is deterministic (no timestamp of its own; dates come
from the manifest).
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._io import read_csv, write_text
from .errors import InputError
from .spatial.classify import breaks_table

__all__ = ["write_report", "build_report"]

#: Literature cited in the method notes.
CITATIONS = {
    "getis1992": "Getis A., Ord J. K. (1992). The analysis of spatial association by use of "
                 "distance statistics. Geographical Analysis 24(3), 189-206.",
    "ord1995": "Ord J. K., Getis A. (1995). Local spatial autocorrelation statistics: "
               "distributional issues and an application. Geographical Analysis 27(4), 286-306.",
    "bickenbach2003": "Bickenbach F., Bode E. (2003). Evaluating the Markov property in studies "
                      "of economic convergence. International Regional Science Review 26(3), 363-392.",
    "yuill1971": "Yuill R. S. (1971). The standard deviational ellipse; an updated tool for "
                 "spatial description. Geografiska Annaler B 53(1), 28-39.",
    "ipcc2006": "IPCC (2006). 2006 IPCC Guidelines for National Greenhouse Gas Inventories, "
                "Vol. 2 Energy. IGES, Hayama.",
    "shan2018": "Shan Y., Guan D., Zheng H. et al. (2018). China CO2 emission accounts "
                "1997-2015. Scientific Data 5:170201.",
    "shan2020": "Shan Y., Huang Q., Guan D., Hubacek K. (2020). China CO2 emission accounts "
                "2016-2017. Scientific Data 7:54.",
    "niccolucci2009": "Niccolucci V., Bastianoni S., Tiezzi E.B.P., Wackernagel M., Marchettini N. "
                      "(2009). How deep is the footprint? A 3D representation. Ecological "
                      "Modelling 220:2819-2823.",
    "fang2015": "Fang K., Heijungs R., de Snoo G.R. (2015). Understanding the complementary "
                "linkages between environmental footprints and planetary boundaries in a "
                "footprint-boundary environmental sustainability assessment framework. "
                "Ecological Economics 114:218-226.",
    "jenks1967": "Jenks G.F. (1967). The data model concept in statistical mapping. "
                 "International Yearbook of Cartography 7:186-190; Fisher W.D. (1958). On "
                 "grouping for maximum homogeneity. JASA 53:789-798.",
    "moran1950": "Moran P.A.P. (1950). Notes on continuous stochastic phenomena. "
                 "Biometrika 37:17-23.",
    "anselin1995": "Anselin L. (1995). Local indicators of spatial association - LISA. "
                   "Geographical Analysis 27:93-115.",
    "rey2001": "Rey S.J. (2001). Spatial empirics for economic growth and convergence. "
               "Geographical Analysis 33:195-214; Rey S.J., Murray A.T., Anselin L. (2011). "
               "Visualizing regional income distribution dynamics. Letters in Spatial and "
               "Resource Sciences 4:81-90.",
    "shan2018city": "Shan Y., Guan D., Hubacek K. et al. (2018). City-level climate change "
                    "mitigation in China. Science Advances 4:eaaq0390.",
    "yang2021": "Yang J., Huang X. (2021). The 30 m annual land cover dataset and its dynamics "
                "in China from 1990 to 2019. Earth System Science Data 13:3907-3925.",
    "rey_pysal": "Rey S.J., Anselin L. (2007). PySAL: a Python library of spatial analytical "
                 "methods. Review of Regional Studies 37:5-27.",
}

_CSS = """
body{font-family:"Noto Sans","Noto Sans CJK SC","Helvetica Neue",Arial,sans-serif;
max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;border-bottom:2px solid #444;padding-bottom:.2em}
h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #bbb}
h3{font-size:1.05em}
table{border-collapse:collapse;font-size:.82em;margin:.6em 0}
th,td{border:1px solid #ccc;padding:2px 6px;text-align:right}
th{background:#f0f0f0}
td:first-child,th:first-child{text-align:left}
figure{margin:1em 0}
figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.85em;color:#555}
.missing{color:#a33;font-style:italic}
.note{font-size:.9em;color:#444}
code,pre{font-size:.85em;background:#f7f7f7}
pre{padding:.6em;overflow-x:auto}
nav ul{columns:2;font-size:.9em}
"""

#: Report sections: (id, heading, figure-name patterns, tables).
_FIGURE_GROUPS = [
    ("national", r"^national_series"),
    ("maps", r"^choropleth_"),
    ("zones", r"^(zones|size_depth)"),
    ("moran", r"^moran_"),
    ("lisa", r"^lisa_"),
    ("migration", r"^(hotspots_|bilisa_|markov_|centre_)"),
    ("flows", r"^flows"),
]


def _esc(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _table_html(df: pd.DataFrame, *, max_rows: int = 60, digits: int = 4) -> str:
    """A DataFrame as an HTML table (escaped); long tables are cut with a note."""
    show = df.head(max_rows)

    def fmt(v):
        if isinstance(v, (float, np.floating)):
            if not np.isfinite(v):
                return ""
            a = abs(float(v))
            if a >= 1e15 or (a != 0 and a < 1e-3):
                return f"{v:.{digits - 1}e}"
            if a >= 1000:
                return f"{v:,.0f}"
            return f"{v:.{digits}g}"
        return "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)

    head = "".join(f"<th>{_esc(c)}</th>" for c in show.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_esc(fmt(v))}</td>" for v in row) + "</tr>"
        for row in show.itertuples(index=False, name=None)
    )
    more = ""
    if len(df) > max_rows:
        more = (f'<p class="note">First {max_rows} of {len(df)} rows; the full table is in '
                "the CSV file.</p>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


#: Width (pixels) of the images embedded in the report; figures are written
#: at 300 dpi for print, the report only needs screen resolution.
REPORT_IMAGE_WIDTH = 1400


def _png_bytes(path: Path, max_width: int = REPORT_IMAGE_WIDTH) -> bytes:
    """PNG bytes of ``path``, downsampled to ``max_width`` pixels if wider
    (Pillow, a matplotlib dependency; deterministic)."""
    data = path.read_bytes()
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow comes with matplotlib
        return data
    import io

    with Image.open(io.BytesIO(data)) as im:
        if im.width <= max_width:
            return data
        h = max(1, round(im.height * max_width / im.width))
        # resample, then back to a 256-colour palette: maps have few colours,
        # and the palette PNG is about half the size of the 300-dpi original
        small = im.convert("RGB").resize((max_width, h), Image.Resampling.LANCZOS).quantize(256)
        buf = io.BytesIO()
        small.save(buf, format="PNG")
        out = buf.getvalue()
        return out if len(out) < len(data) else data


def _img(path: Path, caption: str) -> str:
    data = base64.b64encode(_png_bytes(path)).decode("ascii")
    return (f'<figure><img alt="{_esc(caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{_esc(caption)}</figcaption></figure>")


def _missing(what: str) -> str:
    return f'<p class="missing">Not available: {_esc(what)}.</p>'


def _caption(stem: str) -> str:
    s = stem.replace("_", " ")
    s = re.sub(r"\bICF size\b", "ICF_size", s)
    s = re.sub(r"\bICF depth\b", "ICF_depth", s)
    s = re.sub(r"\bICF pc\b", "ICF_pc", s)
    return s[0].upper() + s[1:] if s else stem


def _read_tables(out: Path) -> dict[str, pd.DataFrame]:
    tables = {}
    tdir = out / "tables"
    if tdir.is_dir():
        for p in sorted(tdir.glob("*.csv")):
            try:
                tables[p.stem] = read_csv(p)
            except (InputError, pd.errors.ParserError, pd.errors.EmptyDataError):
                tables[p.stem] = None  # unreadable: reported as missing
    return tables


def _figures(out: Path) -> list[Path]:
    mdir = out / "maps"
    return sorted(mdir.glob("*.png")) if mdir.is_dir() else []


def _params_html(params: Any) -> str:
    if not isinstance(params, dict):
        return f"<pre>{_esc(json.dumps(params, indent=2, ensure_ascii=False, default=str))}</pre>"
    parts = []
    for sect, val in params.items():
        parts.append(f"<h3>[{_esc(sect)}]</h3>")
        if isinstance(val, dict):
            rows = []
            for k, v in val.items():
                txt = json.dumps(v, ensure_ascii=False, default=str) if not isinstance(v, str) else v
                rows.append(f"<tr><td>{_esc(k)}</td><td style='text-align:left'>{_esc(txt)}</td></tr>")
            parts.append("<table><thead><tr><th>key</th><th>value</th></tr></thead><tbody>"
                         + "".join(rows) + "</tbody></table>")
        else:
            parts.append(f"<p><code>{_esc(json.dumps(val, ensure_ascii=False, default=str))}</code></p>")
    return "".join(parts)


def _year_counts(df: pd.DataFrame, col: str, order: list, labels: dict | None = None) -> pd.DataFrame:
    """Counts of ``col`` categories per year (and variable) as a wide table."""
    keys = [c for c in ("column", "variable") if c in df.columns][:1] + ["year"]
    keys = [k for k in keys if k in df.columns]
    t = df.groupby(keys + [col]).size().unstack(col, fill_value=0)
    t = t.reindex(columns=[c for c in order if c in t.columns] +
                  [c for c in t.columns if c not in order], fill_value=0)
    if labels:
        t.columns = [labels.get(c, c) for c in t.columns]
    return t.reset_index()


def build_report(out_dir: str | os.PathLike) -> str:
    """HTML text of the report of a study output folder (reads files, writes none).

    Raises
    ------
    InputError
        If ``out_dir`` is not a folder.
    """
    out = Path(out_dir)
    if not out.is_dir():
        raise InputError(f"study output folder not found: {out}")
    manifest: dict = {}
    mpath = out / "manifest.json"
    manifest_note = ""
    if mpath.is_file():
        try:
            manifest = json.loads(mpath.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            manifest_note = _missing(f"manifest.json is not valid JSON ({exc})")
    else:
        manifest_note = _missing("manifest.json (inputs and parameters unknown)")
    from .study.result import StudyResult

    tables = StudyResult.from_tables(_read_tables(out))  # unreadable tables are None: missing
    figs = _figures(out)
    used: set[Path] = set()

    def t(name):
        return tables.get(name)

    def figs_for(pattern):
        sel = [f for f in figs if re.search(pattern, f.stem)]
        used.update(sel)
        return sel

    title = manifest.get("title") or "spatial_carbon study"
    sections: list[tuple[str, str, str]] = []

    # -- inputs and parameters
    body = [manifest_note]
    if manifest:
        body.append(f"<p>spatial_carbon {_esc(manifest.get('spatial_carbon', '?'))}"
                    + (f"; configuration <code>{_esc(manifest['config_file'])}</code>"
                       if manifest.get("config_file") else "") + ".</p>")
        inputs = manifest.get("inputs") or []
        if inputs:
            df = pd.DataFrame(inputs)
            if "sha256" in df.columns:
                df["sha256"] = df["sha256"].astype(str).str[:16] + "…"
            body.append("<h3>Input files</h3>" + _table_html(df, max_rows=200))
        if manifest.get("diagnostics"):
            body.append("<h3>Diagnostics: read the results with these in mind</h3><ul>"
                        + "".join(f"<li>{_esc(d.get('message', d))}</li>"
                                  for d in manifest["diagnostics"]) + "</ul>")
        if manifest.get("notes"):
            body.append("<h3>Notes</h3><ul>" + "".join(f"<li>{_esc(n)}</li>" for n in manifest["notes"])
                        + "</ul>")
        if (out / "columns.csv").is_file():
            body.append("<p>Every column of every table and of <code>study.gpkg</code> is "
                        "described (meaning, unit, step) in <code>columns.csv</code>.</p>")
        if manifest.get("parameters"):
            body.append("<h3>Parameters</h3>" + _params_html(manifest["parameters"]))
        if manifest.get("units"):
            u = pd.DataFrame(list(manifest["units"].items()), columns=["column", "unit"])
            body.append("<h3>Units</h3>" + _table_html(u, max_rows=100))
        if manifest.get("versions"):
            v = pd.DataFrame(list(manifest["versions"].items()), columns=["software", "version"])
            body.append("<h3>Software versions</h3>" + _table_html(v, max_rows=100))
    sections.append(("inputs", "Inputs and parameters", "".join(body)))

    # -- national series
    body = []
    for f in figs_for(r"^national_series"):
        body.append(_img(f, "National ICF and CEC by year (deficit shaded)"))
    nat = t("national")
    if nat is not None and "n_regions" in nat.columns and nat["n_regions"].nunique() > 1:
        body.append(
            f"<p>The yearly sums cover the regions with data in each year "
            f"({int(nat['n_regions'].min())}–{int(nat['n_regions'].max())}; column n_regions), "
            "not all of China: a change from one year to the next can be a change of coverage. "
            "The growth rates below compare, for each period, the regions with data in both "
            "of its years (their note says how many).</p>")
    if nat is not None:
        keep = [c for c in ("year", "n_regions", "ICE", "CS", "ICF", "CEC", "ICD", "ICS",
                            "ICF_size", "ICF_depth", "ICF_pc", "CEC_pc") if c in nat.columns]
        body.append(_table_html(nat[keep] if keep else nat))
    else:
        body.append(_missing("tables/national.csv"))
    gr = t("growth_rates")
    if gr is not None:
        body.append("<h3>Growth rates</h3>" + _table_html(gr))
    cp = t("cec_projection")
    if cp is not None:
        body.append("<h3>CEC projection (linear trend and compound rate)</h3>" + _table_html(cp))
    sections.append(("national", "National series", "".join(body)))

    # -- maps and natural breaks
    body = []
    for f in figs_for(r"^choropleth_"):
        body.append(_img(f, _caption(f.stem) + " (natural breaks pooled over all years)"))
    brk = t("breaks")
    if brk is not None:
        b = breaks_table(brk)
        b = b[b["pooled"]].drop(columns=["year", "pooled"], errors="ignore")
        body.append("<h3>Natural breaks (pooled)</h3>" + _table_html(b, max_rows=100))
    else:
        body.append(_missing("tables/breaks.csv"))
    if not any(re.search(r"^choropleth_", f.stem) for f in figs):
        other = sorted(p.name for p in (out / "maps").glob("choropleth_*")) \
            if (out / "maps").is_dir() else []
        body.append(_missing("choropleth maps (maps/choropleth_*.png)" + (
            f"; the figures were written as {', '.join(sorted({Path(o).suffix for o in other}))} "
            "only, and the report embeds PNG: add \"png\" to [maps] formats" if other else "")))
    sections.append(("maps", "Maps of the footprint", "".join(body)))

    # -- quadrant zones
    body = []
    for f in figs_for(r"^(zones|size_depth)"):
        body.append(_img(f, _caption(f.stem)))
    zt = t("zones")
    if zt is not None and "zone" in zt.columns and "year" in zt.columns:
        body.append("<h3>Regions per zone and year</h3>"
                    + _table_html(_year_counts(zt, "zone", ["I", "II", "III", "IV"]), max_rows=100))
        last = zt[zt["year"] == zt["year"].max()]
        cols = [c for c in ("region_code", "region", "year", "ICF_size", "ICF_depth", "z_ICF_size",
                            "z_ICF_depth", "zone", "zone_name") if c in last.columns]
        body.append(f"<h3>Zones in {int(zt['year'].max())}</h3>" + _table_html(last[cols], max_rows=40))
    else:
        body.append(_missing("tables/zones.csv"))
    sections.append(("zones", "Quadrant mitigation zones", "".join(body)))

    # -- global Moran
    body = []
    for f in figs_for(r"^moran_"):
        body.append(_img(f, _caption(f.stem)))
    mo = t("moran")
    if mo is not None:
        cols = [c for c in ("column", "variable", "year", "n", "I", "EI", "z_norm", "p_norm",
                            "z_rand", "p_rand", "z_sim", "p_sim", "permutations") if c in mo.columns]
        if "column" in cols and "variable" in cols:
            cols.remove("variable")
        body.append(_table_html(mo[cols] if cols else mo, max_rows=200))
    else:
        body.append(_missing("tables/moran.csv"))
    con = t("connectivity")
    if con is not None:
        body.append("<h3>Spatial weights: connectivity</h3>" + _table_html(con))
    sections.append(("moran", "Global Moran's I", "".join(body)))

    # -- LISA and transitions
    body = []
    for f in figs_for(r"^lisa_"):
        body.append(_img(f, _caption(f.stem)))
    li = t("lisa")
    if li is not None and "cluster" in li.columns and "year" in li.columns:
        names = {0: "not significant", 1: "HH", 2: "LL", 3: "LH", 4: "HL", 5: "undefined",
                 6: "isolated"}
        body.append("<h3>LISA clusters per year</h3>"
                    + _table_html(_year_counts(li, "cluster", list(range(7)), names), max_rows=200))
    else:
        body.append(_missing("tables/lisa.csv"))
    for name, head in (("transition_counts", "LISA transitions: counts (rows from, columns to)"),
                       ("transition_probs", "LISA transitions: probabilities")):
        tt = t(name)
        body.append(f"<h3>{_esc(head)}</h3>" + (_table_html(tt, max_rows=100) if tt is not None
                                                  else _missing(f"tables/{name}.csv")))
    summ = t("transition_summary")
    mv = t("transition_moves")
    if summ is not None:
        allrows = summ[summ["year_from"].astype(str) == "all"] if "year_from" in summ.columns else summ
        body.append("<h3>Space-time moves over all years (Rey's typology: type 0 no change, "
                    "I the region moves, II its neighbours move, III both; cohesion = share of "
                    "type 0)</h3>" + _table_html(allrows if len(allrows) else summ))
    elif mv is not None:
        typ = next((c for c in ("type", "move_type", "move") if c in mv.columns), None)
        if typ is not None:
            keys = [c for c in ("column", "variable") if c in mv.columns][:1]
            cnt = mv.groupby(keys + [typ]).size().unstack(typ, fill_value=0) if keys else \
                mv.groupby(typ).size().to_frame("count").T
            cnt = cnt.reset_index() if keys else cnt
            body.append("<h3>Space-time moves (Rey's typology; type 0 = no change)</h3>"
                        + _table_html(cnt))
        else:
            body.append("<h3>Space-time moves</h3>" + _table_html(mv))
    else:
        body.append(_missing("tables/transition_summary.csv and tables/transition_moves.csv"))
    hom = t("transition_homogeneity")
    if hom is not None:
        body.append("<h3>Homogeneity of the transition matrices across years (chi-square Q, "
                    "likelihood ratio LR)</h3>" + _table_html(hom))
    sections.append(("lisa", "LISA clusters and transitions", "".join(body)))

    # -- hot spots, bivariate LISA, spatial Markov, centre of gravity (issue 13)
    body = []
    for f in figs_for(r"^(hotspots_|bilisa_|markov_|centre_)"):
        body.append(_img(f, _caption(f.stem)))
    hs = t("hotspots")
    if hs is not None and {"gi_bin", "year"} <= set(hs.columns):
        names = {b: lab for b, lab in ((-3, "cold 99%"), (-2, "cold 95%"), (-1, "cold 90%"),
                                       (0, "not significant"), (1, "hot 90%"), (2, "hot 95%"),
                                       (3, "hot 99%"))}
        body.append("<h3>Getis-Ord G* hot spots per year (ArcGIS Gi_Bin from the analytic z)</h3>"
                    + _table_html(_year_counts(hs, "gi_bin", list(range(-3, 4)), names), max_rows=200))
    bm = t("bivariate_moran")
    if bm is not None:
        cols = [c for c in ("column", "year", "n", "I", "EI_sim", "z_sim", "p_sim", "permutations")
                if c in bm.columns]
        body.append("<h3>Bivariate Moran's I (x with the neighbours' y)</h3>"
                    + _table_html(bm[cols], max_rows=200))
    bl = t("bivariate_lisa")
    if bl is not None and {"cluster", "year"} <= set(bl.columns):
        names = {0: "not significant", 1: "HH", 2: "LL", 3: "LH", 4: "HL", 5: "undefined",
                 6: "isolated"}
        body.append("<h3>Bivariate LISA clusters per year</h3>"
                    + _table_html(_year_counts(bl, "cluster", list(range(7)), names), max_rows=200))
    mh = t("markov_homogeneity")
    if mh is not None:
        body.append("<h3>Spatial Markov: homogeneity across lag classes (Q, LR)</h3>"
                    + _table_html(mh))
    ms = t("markov_steady_states")
    if ms is not None:
        body.append("<h3>Spatial Markov: steady states</h3>" + _table_html(ms, max_rows=120))
    ce = t("centre")
    if ce is not None:
        cols = [c for c in ("variable", "year", "lon", "lat", "distance_km", "bearing_deg",
                            "direction", "major_km", "minor_km", "rotation_deg", "area_km2")
                if c in ce.columns]
        body.append("<h3>Centre of gravity (equal-area projection), trajectory and standard "
                    "deviational ellipse (1 SD, ArcGIS)</h3>" + _table_html(ce[cols], max_rows=200))
    cs = t("centre_summary")
    if cs is not None:
        body.append(_table_html(cs))
    if body:
        sections.append(("migration", "Hot spots, bivariate LISA, spatial Markov, centre of gravity",
                         "".join(body)))

    # -- flows and other figures
    flows = figs_for(r"^flows")
    if flows:
        sections.append(("flows", "Carbon transfer", "".join(_img(f, _caption(f.stem)) for f in flows)))
    rest = [f for f in figs if f not in used]
    if rest:
        sections.append(("other", "Other figures", "".join(_img(f, _caption(f.stem)) for f in rest)))

    # -- methods and citations (the formulas of docs/footprint.md and footprint.compute)
    scope = ((manifest.get("steps") or {}).get("ice") or {}).get("scope", "industry")
    if scope == "total":
        ice_note = ("<li><b>Emissions (ICE column)</b>: <b>total</b> CO<sub>2</sub> of each region, "
                    "all sectors (CEADs city inventory or the user's table; not industrial "
                    "emissions alone) [shan2018city]. t CO<sub>2</sub>.</li>")
    else:
        ice_note = ("<li><b>Industrial CO<sub>2</sub> (ICE)</b>: fuel use x emission factors (IPCC "
                    "2006 sectoral approach) or the CEADs provincial inventories, industry group "
                    "[ipcc2006; shan2018; shan2020]. t CO<sub>2</sub>.</li>")
    methods = f"""
<ul>
{ice_note}
<li><b>Carbon sinks (CS)</b>: CS = &Sigma;<sub>i</sub> NEP<sub>i</sub> x A<sub>i</sub> x
E<sub>i</sub> over the sink classes i (forest, grassland): absorption rate NEP<sub>i</sub>
(t hm<sup>-2</sup> a<sup>-1</sup>) x class area A<sub>i</sub> (hm<sup>2</sup>) x equivalence
factor E<sub>i</sub>, from 30 m land cover (CLCD) or the bundled sample [yang2021].</li>
<li><b>Footprint</b>: D = &Sigma;<sub>i</sub> NEP<sub>i</sub> x P<sub>i</sub>, with
P<sub>i</sub> the share of class i in carbon absorption (national shares of the year by
default: P<sub>i</sub> = &Sigma;<sub>r</sub> CS<sub>i,r</sub> / &Sigma;<sub>r</sub>
CS<sub>r</sub>); ICF = ICE / D (hm<sup>2</sup>); CEC = CS / D (hm<sup>2</sup>);
ICD = max(ICF - CEC, 0); ICS = max(CEC - ICF, 0); size ICF_size = min(ICF, CEC);
depth ICF_depth = 1 + ICD / CEC (dimensionless) [niccolucci2009; fang2015].</li>
<li><b>Natural breaks</b>: Fisher-Jenks optimal classes, pooled over all years so that colours
compare across maps [jenks1967].</li>
<li><b>Quadrant zones</b>: yearly z-scores of footprint size and depth; zone I high/high
(core mitigation), II low size/high depth (critical), III low/low (observation), IV high
size/low depth (buffer).</li>
<li><b>Global Moran's I</b> with permutation pseudo-p (seeded) and normal/randomisation
z-scores [moran1950; rey_pysal].</li>
<li><b>LISA</b>: local Moran I<sub>i</sub>, conditional permutation pseudo-p (seeded), GeoDa
cluster codes (HH, LL, LH, HL; undefined; isolated) [anselin1995]; LISA Markov transitions and
Rey's space-time move typology [rey2001].</li>
<li><b>Hot spots</b>: Getis-Ord G* with the Ord-Getis z-score, ArcGIS's confidence bins and a
conditional permutation pseudo-p [getis1992; ord1995]. <b>Bivariate LISA</b>: x at the region
with the neighbours' y (GeoDa). <b>Spatial Markov</b>: class transitions conditioned on the
neighbours' class, Q and LR homogeneity tests [rey2001; bickenbach2003]. <b>Centre of
gravity</b>: weighted mean centre on an equal-area projection and ArcGIS's standard deviational
ellipse [yuill1971].</li>
<li><b>Seed 001 and these results</b>: how this method and the bundled data compare with the
seed study (Zuo &amp; Zhao), and why its printed depths (about 1 nationally, 1.5 for Shanghai)
cannot follow from its formulas, is worked out with numbers in <code>docs/seed001.md</code>
of the spatial_carbon documentation.</li>
</ul>
<h3>References</h3>
<ul>{''.join(f'<li>[{_esc(k)}] {_esc(v)}</li>' for k, v in CITATIONS.items())}</ul>
"""
    sections.append(("methods", "Method notes and citations", methods))

    nav = "<nav><ul>" + "".join(f'<li><a href="#{sid}">{_esc(h)}</a></li>'
                                for sid, h, _ in sections) + "</ul></nav>"
    body_html = "".join(f'<section id="{sid}"><h2>{_esc(h)}</h2>{content}</section>'
                        for sid, h, content in sections)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{_esc(title)}</h1>"
        "<p class=\"note\">Report written by spatial_carbon from the study output folder "
        "(tables in <code>tables/</code>, figures in <code>maps/</code>, layers in "
        "<code>study.gpkg</code>). Self-contained: opens offline.</p>"
        f"{nav}{body_html}</body></html>\n"
    )


def write_report(out_dir: str | os.PathLike) -> Path:
    """Write ``report.html`` into a study output folder; return its path.

    Parameters
    ----------
    out_dir : path
        Folder written by :func:`spatial_carbon.study.write_outputs`
        (``manifest.json``, ``tables/*.csv``, ``maps/*.png``).  Missing
        optional parts are skipped and named in the report.

    Returns
    -------
    pathlib.Path
        ``out_dir / "report.html"`` (written atomically, UTF-8).
    """
    text = build_report(out_dir)
    return write_text(text, Path(out_dir) / "report.html")
