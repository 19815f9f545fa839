"""The whole study: `spatial-carbon demo` / `run` end to end on the bundled data."""

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from spatial_carbon import study
from spatial_carbon.cli import main
from spatial_carbon.errors import MissingDataError


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "out"
    res = CliRunner().invoke(main, ["demo", "--out", str(out)])
    assert res.exit_code == 0, res.output + repr(res.exception)
    return out


def read(out, name):
    return pd.read_csv(out / "tables" / f"{name}.csv", encoding="utf-8-sig")


def test_demo_writes_every_output(demo_out):
    for name in ("ice", "areas", "sinks", "footprint", "national", "zones", "breaks",
                 "moran", "lisa", "transition_counts", "transition_moves"):
        assert (demo_out / "tables" / f"{name}.csv").stat().st_size > 0, name
    # UTF-8 with BOM so that Excel shows Chinese names
    assert (demo_out / "tables" / "footprint.csv").read_bytes()[:3] == b"\xef\xbb\xbf"
    assert (demo_out / "report.html").stat().st_size > 10_000
    pngs = list((demo_out / "maps").glob("*.png"))
    assert pngs and all(p.stat().st_size > 5_000 for p in pngs)
    assert not list(demo_out.parent.glob(".out.*")), "temporary folders left behind"


def test_demo_footprint_table_has_the_contract_columns(demo_out):
    fp = read(demo_out, "footprint")
    for col in ("region_code", "region", "year", "ICE", "CS", "ICF", "CEC", "ICD", "ICS",
                "ICF_size", "ICF_depth", "ICF_pc", "CEC_pc", "ICF_size_pc"):
        assert col in fp.columns, col
    assert fp["region_code"].nunique() == 30  # CEADs has no Tibet
    assert sorted(fp["year"].unique()) == list(range(1997, 2020))
    assert 540000 not in set(fp["region_code"])
    # per capita only where the yearbook has population (2000-2019)
    assert fp.loc[fp["year"] < 2000, "ICF_pc"].isna().all()
    assert fp.loc[fp["year"] >= 2000, "ICF_pc"].notna().all()
    # identities of the method, row by row
    pd.testing.assert_series_equal(
        fp["ICF_size"], fp[["ICF", "CEC"]].min(axis=1), check_names=False, rtol=1e-12
    )
    assert ((fp["ICD"] > 0) & (fp["ICS"] > 0)).sum() == 0


def test_demo_national_series_is_plausible_against_the_seed(demo_out):
    nat = read(demo_out, "national").set_index("year")
    # the seed reports national per-capita ICF of about 1.8 hm2 in 2011
    assert 1.0 < nat.loc[2011, "ICF_pc"] < 3.0
    assert nat.loc[2011, "ICE"] == pytest.approx(read(demo_out, "ice").query("year == 2011")["CO2_t"].sum())


def test_demo_geopackage_has_a_feature_per_region_year(demo_out):
    gdf = gpd.read_file(demo_out / "study.gpkg", layer="region_years")
    assert len(gdf) == 30 * 23
    assert gdf.crs.to_epsg() == 4326
    assert {"ICF_size", "zone", "lisa_ICF_size"} <= set(gdf.columns)


def test_demo_manifest_records_inputs_parameters_and_versions(demo_out):
    m = json.loads((demo_out / "manifest.json").read_text(encoding="utf-8"))
    shas = {e["path"].rsplit("/", 1)[-1]: e["sha256"] for e in m["inputs"]}
    assert "MCD12C1_2019_IGBP_china_clip_0p05deg.tif" in shas
    assert len([k for k in shas if k.lower().startswith("emission_inventories")]) == 23
    assert all(len(s) == 64 for s in shas.values())
    assert m["parameters"]["spatial"]["seed"] == 20191231
    assert {"numpy", "esda", "rasterio", "gdal"} <= set(m["versions"])
    assert any("applied to every study year" in n for n in m["notes"])


def test_demo_tables_are_deterministic(demo_out, tmp_path):
    again = study.run_file(None, tmp_path / "again", maps=False, report=False)
    for name in ("footprint", "moran", "lisa", "zones", "breaks"):
        a = (demo_out / "tables" / f"{name}.csv").read_bytes()
        b = (again / "tables" / f"{name}.csv").read_bytes()
        assert a == b, f"{name}.csv differs between two runs"


def test_write_config_then_run(tmp_path):
    cfg = tmp_path / "study.toml"
    r = CliRunner().invoke(main, ["demo", "--write-config", str(cfg)])
    assert r.exit_code == 0 and "first_year = 1997" in cfg.read_text(encoding="utf-8")


def test_failed_run_leaves_previous_output_untouched(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("previous results")
    cfg = tmp_path / "study.toml"
    cfg.write_text(
        '[study]\nfirst_year = 1990\nlast_year = 1991\n'
        '[inputs]\nceads = "bundled:ceads/provinces"\n'
        '[inputs.landcover]\nrasters = ["bundled:landcover/MCD12C1_2019_IGBP_china_clip_0p05deg.tif"]\n'
        'legend = "modis_igbp"\nyears = [2019]\nfill_years = "nearest"\n',
        encoding="utf-8",
    )
    # a folder spatial_carbon did not write is refused before the study runs
    r = CliRunner().invoke(main, ["run", str(cfg), "--out", str(out), "--overwrite"])
    assert r.exit_code == 2
    assert "not written by spatial_carbon" in r.output and "keep.txt" in r.output
    assert (out / "keep.txt").read_text() == "previous results"
    # a failing study leaves neither its output folder nor a temporary one
    r = CliRunner().invoke(main, ["run", str(cfg), "--out", str(tmp_path / "new")])
    assert r.exit_code == 2
    assert "1990" in r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "study.toml"]


def test_fill_years_nearest_and_error():
    areas = pd.DataFrame({"region": ["Beijing", "Beijing"], "year": [2000, 2010],
                          "sink_class": ["forest", "forest"], "area_hm2": [1.0, 2.0]})
    out = study.fill_years(areas, [2004, 2005, 2006, 2010], method="nearest")
    got = out.set_index("year")["source_year"].to_dict()
    assert got == {2004: 2000, 2005: 2000, 2006: 2010, 2010: 2010}  # tie -> earlier year
    assert areas["year"].tolist() == [2000, 2010]  # input untouched
    with pytest.raises(MissingDataError, match=r"no land cover for year\(s\) \[2004, 2005, 2006\]"):
        study.fill_years(areas, [2004, 2005, 2006, 2010], method="error")


def test_demo_lisa_uses_geoda_folded_p(demo_out):
    # issue 12: the study follows the default (folded, as GeoDa); on the demo's
    # 9,999 permutations ICF_size 2019 has 8 units with p <= 0.05 folded, 3 two-sided
    lisa = read(demo_out, "lisa")
    assert set(lisa["alternative"]) == {"folded"}
    last = lisa[(lisa["column"] == "ICF_size") & (lisa["year"] == 2019)]
    assert int((last["p_sim"] <= 0.05).sum()) == 8
    assert int((np.minimum(1, 2 * last["p_sim"]) <= 0.05).sum()) == 3
    assert set(read(demo_out, "moran")["alternative"]) == {"folded"}


def test_demo_hot_spots_bivariate_markov_centre(demo_out):
    """The issue-13 sections of the demo configuration: tables, figures, report."""
    hs = read(demo_out, "hotspots")
    assert set(hs["column"]) == {"ICF_size"} and (hs["statistic"] == "G*").all()
    assert set(hs["gi_bin"]) <= set(range(-3, 4)) and len(hs) == 30 * 23
    bl = read(demo_out, "bivariate_lisa")
    assert set(bl["column"]) == {"ICF_size~ICF_depth"} and (bl["with"] == "ICF_depth").all()
    assert len(read(demo_out, "bivariate_moran")) == 23
    mt = read(demo_out, "markov_transitions")
    # 30 regions x 22 one-year steps, counted once pooled and once by lag class
    assert mt["n_steps"].sum() == 2 * 30 * 22
    assert {"Q", "LR", "dof"} <= set(read(demo_out, "markov_homogeneity").columns)
    ce = read(demo_out, "centre")
    assert set(ce["variable"]) == {"ICE", "ICD"} and ce.groupby("variable").size().eq(23).all()
    assert ce["distance_km"].iloc[1:23].notna().all() and (ce["area_km2"] > 0).all()
    for stem in ("hotspots_ICF_size", "bilisa_cluster_ICF_size_with_ICF_depth", "markov_ICF_size",
                 "centre_ICE"):
        assert (demo_out / "maps" / f"{stem}.png").stat().st_size > 5_000, stem
    lisa = read(demo_out, "lisa")  # [spatial] inference = "permutation" (default)
    assert lisa["cluster_basis"].str.startswith("p_sim <= 0.05").all()
    assert lisa["z_rand"].notna().any() and lisa["p_rand"].notna().any()
    html = (demo_out / "report.html").read_text(encoding="utf-8")
    assert "Hot spots, bivariate LISA, spatial Markov, centre of gravity" in html
    assert "Getis-Ord G* hot spots per year" in html and "Centre of gravity" in html


def test_every_demo_table_is_a_named_study_result_attribute(demo_out):
    """Tables are attributes of StudyResult (result.footprint, result.hotspots ...),
    not string keys: every table the demo writes has one."""
    from spatial_carbon.study import StudyResult

    res = StudyResult.read(demo_out)
    assert res.extra == {}, f"tables without a StudyResult attribute: {sorted(res.extra)}"
    assert res.footprint is not None and res.lisa is not None
