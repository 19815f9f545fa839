"""Outputs that explain themselves (issue 10): data dictionary (columns.csv and
GeoPackage metadata), relative paths, diagnostics, the report's method note,
and the commands that follow a study (figures OUT, breaks --years)."""

from __future__ import annotations

import json
import re
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner

from spatial_carbon import datasets
from spatial_carbon.cli import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("outputs") / "demo"
    res = CliRunner().invoke(main, ["demo", "--no-maps", "--out", str(out)])
    assert res.exit_code == 0, res.output + repr(res.exception)
    return out


def _manifest(out):
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def test_every_written_column_has_a_dictionary_entry(demo):
    cols = pd.read_csv(demo / "columns.csv", encoding="utf-8-sig", keep_default_na=False)
    assert list(cols.columns) == ["table", "column", "meaning", "unit", "step"]
    have = set(zip(cols["table"], cols["column"]))
    written = set()
    for p in sorted((demo / "tables").glob("*.csv")):
        for c in pd.read_csv(p, encoding="utf-8-sig", nrows=0).columns:
            written.add((f"tables/{p.name}", c))
    for layer in pyogrio.list_layers(demo / "study.gpkg")[:, 0]:
        if layer == "layer_styles":
            continue  # QGIS's own style table
        info = pyogrio.read_info(demo / "study.gpkg", layer=layer)
        written |= {(f"study.gpkg:{layer}", c) for c in info["fields"]}
        written.add((f"study.gpkg:{layer}", "geometry"))
    assert written - have == set(), "written columns without a data-dictionary entry"
    assert (cols["meaning"].str.len() > 3).all()
    assert not cols["meaning"].str.startswith("column of the input table").any()
    # one meaning per name, except the names declared per table (test_study_diagnostics)
    per_name = cols[~cols["table"].eq("columns.csv")].groupby("column")["meaning"].nunique()
    assert set(per_name[per_name > 1].index) <= {"n", "I", "HH", "LH", "LL", "HL"}
    # class is the land-cover code only; the numbered classes have their own names
    assert set(cols.loc[cols["column"] == "class", "table"]) == {"tables/areas.csv"}
    assert {"break_class", "pooled", "markov_class"} <= set(cols["column"])
    ice = cols[(cols["table"] == "tables/footprint.csv") & (cols["column"] == "ICE")].iloc[0]
    assert ice["unit"] == "t CO2/a" and "industrial CO2" in ice["meaning"]


def test_dictionary_is_geopackage_metadata_qgis_reads(demo):
    con = sqlite3.connect(demo / "study.gpkg")
    try:
        refs = con.execute("SELECT reference_scope, column_name, md_file_id FROM "
                           "gpkg_metadata_reference WHERE table_name = 'region_years'").fetchall()
        (xml,) = con.execute("SELECT m.metadata FROM gpkg_metadata m JOIN gpkg_metadata_reference "
                             "r ON r.md_file_id = m.id WHERE r.reference_scope = 'table' AND "
                             "m.md_standard_uri = 'http://mrcc.com/qgis.dtd'").fetchone()
        ext = con.execute("SELECT table_name FROM gpkg_extensions WHERE extension_name = "
                          "'gpkg_metadata'").fetchall()
        icf = con.execute("SELECT m.metadata FROM gpkg_metadata m JOIN gpkg_metadata_reference r "
                          "ON r.md_file_id = m.id WHERE r.column_name = 'ICF'").fetchone()[0]
    finally:
        con.close()
    fields = pyogrio.read_info(demo / "study.gpkg", layer="region_years")["fields"]
    assert sorted(c for s, c, _ in refs if s == "column") == sorted([*fields, "geometry"])
    assert sorted(t for (t,) in ext) == ["gpkg_metadata", "gpkg_metadata_reference"]
    root = ET.fromstring(xml)
    assert root.tag == "qgis" and root.findtext("title").startswith("Three-dimensional")
    assert "ICF_depth: footprint depth" in root.findtext("abstract")
    assert icf.startswith("carbon footprint: ICE / D") and "[hm2]" in icf


def _strings(obj):
    if isinstance(obj, dict):
        for v in obj.values():
            yield from _strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v)
    elif isinstance(obj, str):
        yield obj


def test_manifest_and_report_paths_are_relative(demo):
    m = _manifest(demo)
    paths = list(_strings(m))
    assert not [s for s in paths if s.startswith("/") or re.match(r"^[A-Za-z]:\\", s)]
    assert m["config_file"] == "bundled:demo_study.toml"
    assert m["parameters"]["inputs"]["ceads"] == "bundled:ceads/provinces"
    assert "bundled:landcover/MCD12C1_2019_IGBP_china_clip_0p05deg.tif" in \
        m["steps"]["landcover"]["rasters"]
    assert all(e["path"].startswith("bundled:") for e in m["inputs"])
    html = (demo / "report.html").read_text(encoding="utf-8")
    for absolute in (str(demo), str(datasets.data_dir()), str(ROOT)):
        assert absolute not in html and absolute not in (demo / "manifest.json").read_text()


def test_user_config_paths_relative_to_the_config_file(tmp_path):
    proj = tmp_path / "project"
    (proj / "inputs").mkdir(parents=True)
    areas = tmp_path / "project" / "inputs" / "areas.csv"
    demo_areas = pd.DataFrame({"region": ["Beijing", "Tianjin", "Hebei"] * 2,
                               "year": [2010] * 3 + [2011] * 3,
                               "sink_class": ["forest"] * 6,
                               "area_hm2": [7e5, 1e5, 4e6] * 2})
    demo_areas.to_csv(areas, index=False)
    cfg = proj / "study.toml"
    cfg.write_text('[study]\nfirst_year = 2010\nlast_year = 2011\n[inputs]\n'
                   'ceads = "bundled:ceads/provinces"\n[inputs.landcover]\n'
                   'areas = "inputs/areas.csv"\n[classify]\ncolumns = ["ICF"]\nk = 2\n'
                   '[spatial]\ncolumns = []\n', encoding="utf-8")
    from spatial_carbon.study import config as config_mod

    c = config_mod.load(cfg)
    assert config_mod.to_jsonable(c, cfg.parent)["inputs"]["landcover"]["areas"] == \
        "inputs/areas.csv"
    assert config_mod.portable(cfg, tmp_path / "project" / "results" / "out") == "../../study.toml"


def test_diagnostics_say_the_degenerate_results_with_numbers(demo):
    d = {x["code"]: x for x in _manifest(demo)["diagnostics"]}
    assert set(d) == {"all_deficit", "zero_area", "constant_cec", "dominant_class",
                      "dominant_region"}
    assert "in 12 of 23 years (2008-2019)" in d["all_deficit"]["message"]
    assert "ICF_size = min(ICF, CEC) = CEC" in d["all_deficit"]["message"]
    assert d["zero_area"]["message"].startswith("Shanghai has 0 hm2 of forest")
    assert "land cover covers 1 year(s) (2019)" in d["constant_cec"]["message"]
    depth = d["dominant_class"]
    assert depth["data"]["column"] == "ICF_depth" and "holds 26 of 30" in depth["message"]
    assert "Shanghai" in d["dominant_region"]["message"] and "per-capita" in \
        d["dominant_region"]["message"]
    html = (demo / "report.html").read_text(encoding="utf-8")
    assert "Diagnostics" in html and "holds 26 of 30" in html


def test_report_method_note_matches_code_and_docs(demo):
    html = (demo / "report.html").read_text(encoding="utf-8")
    assert "ICE x share / NEP" not in html
    assert "ICF = ICE / D" in html and "CEC = CS / D" in html
    assert "D = &Sigma;<sub>i</sub> NEP<sub>i</sub> x P<sub>i</sub>" in html
    docs = (ROOT / "docs" / "footprint.md").read_text(encoding="utf-8")
    assert re.search(r"ICF\s+= ICE / D", docs) and re.search(r"D\(r,t\)\s+= Σ_i NEP_i · P_i", docs)
    # and the code: ICF = ICE / D with D (column D_t_per_hm2_a) = sum_i NEP_i P_i
    fp = pd.read_csv(demo / "tables" / "footprint.csv", encoding="utf-8-sig")
    np.testing.assert_allclose(fp["ICF"], fp["ICE"] / fp["D_t_per_hm2_a"], rtol=1e-12)
    np.testing.assert_allclose(fp["D_t_per_hm2_a"],
                               3.8096 * fp["P_forest"] + 0.9482 * fp["P_grassland"], rtol=1e-12)


def test_figures_follow_the_study(demo, tmp_path):
    # `spatial-carbon figures OUT` on the demo's own output failed with "no rows for year 1997"
    # (ICF_pc starts in 2000); it now draws the study's own map years (from the manifest)
    r = CliRunner().invoke(main, ["figures", str(demo)])
    assert r.exit_code == 0, r.output
    names = {Path(p).name for p in r.output.split()}
    assert {"choropleth_ICF_pc.png", "choropleth_ICF_pc_2019.png",
            "lisa_cluster_ICF_size_2019.png"} <= names
    m = _manifest(demo)
    assert m["map_years"] == [2000, 2005, 2010, 2015, 2019]
    m["map_years"] = [2005, 2010]
    (demo / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    r = CliRunner().invoke(main, ["figures", str(demo)])
    assert r.exit_code == 0, r.output
    assert "choropleth_ICF_2010.png" in r.output and "choropleth_ICF_2019.png" not in r.output


def test_breaks_years_and_empty_years(demo, tmp_path):
    fp = demo / "tables" / "footprint.csv"
    out = tmp_path / "b.csv"
    # failed with "ICF_pc in 1997: 30 missing value(s)": years without any value are left out
    r = CliRunner().invoke(main, ["breaks", "-i", str(fp), "-c", "ICF_pc", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "ICF_pc has no values in 1997-1999: those years are left out" in r.output
    brk = pd.read_csv(tmp_path / "b_breaks.csv", encoding="utf-8-sig")
    assert brk["year"].min() == 2000
    r = CliRunner().invoke(main, ["breaks", "-i", str(fp), "-c", "ICF_pc", "--years",
                                  "2005-2007,2010", "-o", str(out)])
    assert r.exit_code == 0, r.output
    brk = pd.read_csv(tmp_path / "b_breaks.csv", encoding="utf-8-sig")
    assert sorted(set(brk.loc[~brk["pooled"], "year"])) == [2005, 2006, 2007, 2010]
    assert brk.loc[brk["pooled"], "year"].isna().all()
    r = CliRunner().invoke(main, ["breaks", "-i", str(fp), "-c", "ICF_pc", "--years", "1990",
                                  "-o", str(out)])
    assert r.exit_code == 2 and "no rows for year(s) [1990]" in r.output
    r = CliRunner().invoke(main, ["breaks", "-i", str(fp), "-c", "ICF_pc", "--years", "x",
                                  "-o", str(out)])
    assert r.exit_code == 2 and "'x' is not a year" in r.output
    # a year with some values missing stays an error (never a silent wrong classification)
    t = pd.read_csv(fp, encoding="utf-8-sig")
    t.loc[(t["year"] == 2005) & (t["region"] == "Beijing"), "ICF_pc"] = np.nan
    t.to_csv(tmp_path / "gap.csv", index=False)
    r = CliRunner().invoke(main, ["breaks", "-i", str(tmp_path / "gap.csv"), "-c", "ICF_pc",
                                  "-o", str(out)])
    assert r.exit_code == 2 and "2005" in r.output
