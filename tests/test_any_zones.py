"""Any zone layer, any id: the chain on city codes and on a user's own ids,
and the failures of issue 10 that belong to the layer/join glue."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import box

from spatial_carbon import _io, datasets, footprint, layers, qgis_worker
from spatial_carbon.cli import main
from spatial_carbon.errors import InputError, UnmatchedRegionsWarning
from spatial_carbon.footprint import sinks, zones
from spatial_carbon.spatial import autocorr, classify, transitions, weights


def _hebei_cities():
    city = layers.boundaries("bundled:city")
    return city[city["province_adcode"] == 130000].reset_index(drop=True)  # 11 prefectures


def _areas(ids, years=(2018, 2019)):
    rng = np.random.default_rng(7)
    rows = []
    for y in years:
        for i in ids:
            rows += [(i, y, "forest", float(rng.uniform(1e4, 1e5))),
                     (i, y, "grassland", float(rng.uniform(1e4, 1e5))),
                     (i, y, "cropland", 5.0)]
    return pd.DataFrame(rows, columns=["zone", "year", "sink_class", "area_hm2"])


def _ice(ids, years=(2018, 2019)):
    rng = np.random.default_rng(3)
    return pd.DataFrame([(i, y, float(rng.uniform(1e5, 1e7))) for y in years for i in ids],
                        columns=["region_code", "year", "CO2_t"])


def _chain(zone_layer, ids):
    """areas -> sinks -> footprint -> zones, breaks -> weights -> LISA -> transitions."""
    cs = sinks.carbon_sink(_areas(ids))
    assert cs.drop_duplicates("region_code")["region_code"].tolist() == sorted(ids)
    fp = footprint.compute(_ice(ids), cs)
    z = zones.quadrants(fp)
    cls, _ = classify.natural_breaks(fp, "ICF", 3)
    w, rep = weights.build(zone_layer, "region_code", "queen", islands="knn")
    lisa = autocorr.local_moran(fp, w, "ICF_size", id_col="region_code", permutations=99, seed=1)
    tr = transitions.lisa_transitions(lisa)
    return fp, z, cls, w, lisa, tr


def test_chain_on_city_codes():
    hebei = _hebei_cities()
    ids = hebei["region_code"].tolist()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # 99 permutations
        fp, z, cls, w, lisa, tr = _chain(hebei, ids)
    assert fp["region_code"].dtype == np.int64 and set(fp["region_code"]) == set(ids)
    assert not w.region_ids  # city codes are not provinces
    assert set(z["region_code"]) == set(ids) and set(lisa["region_code"]) == set(ids)
    assert int(tr.counts.to_numpy().sum()) == len(ids)  # one transition 2018 -> 2019 each


def test_chain_on_user_string_ids():
    grid = gpd.GeoDataFrame({"cell": [f"c{r}{c}" for r in range(4) for c in range(4)]},
                            geometry=[box(c, r, c + 1, r + 1) for r in range(4) for c in range(4)],
                            crs="EPSG:3857")
    zl = layers.boundaries(grid, id_field="cell")
    ids = zl["region_code"].tolist()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        fp, z, cls, w, lisa, tr = _chain(zl, ids)
    assert fp["region_code"].tolist()[:2] == ["c00", "c01"]
    assert fp["region"].tolist()[:2] == ["c00", "c01"]
    assert len(w.ids) == 16 and int(tr.counts.to_numpy().sum()) == 16


def test_cli_sinks_with_city_codes(tmp_path):
    """`spatial-carbon sinks --areas city_areas.csv` with GB/T 2260 city codes
    (was: "unknown region name(s)" listing all 370 cities)."""
    ids = _hebei_cities()["region_code"].tolist()
    _io.write_csv(_areas(ids), tmp_path / "city_areas.csv")
    r = CliRunner().invoke(main, ["sinks", "--areas", str(tmp_path / "city_areas.csv"),
                                  "-o", str(tmp_path / "s.csv")])
    assert r.exit_code == 0, r.output
    s = _io.read_csv(tmp_path / "s.csv")
    assert sorted(s["region_code"].unique()) == sorted(ids)


def test_map_bad_geopackage_is_one_line_not_a_traceback(tmp_path):
    (tmp_path / "bad.gpkg").write_bytes(b"not a geopackage at all")
    t = pd.DataFrame({"region_code": [110000], "year": [2019], "ICF": [1.0]})
    _io.write_csv(t, tmp_path / "t.csv")
    r = CliRunner().invoke(main, ["map", str(tmp_path / "t.csv"), "--column", "ICF",
                                  "--boundaries", str(tmp_path / "bad.gpkg"),
                                  "-o", str(tmp_path / "m.png")])
    assert r.exit_code == 2
    assert r.output.startswith("Error: ") and "cannot read" in r.output
    assert "Traceback" not in r.output and r.output.count("\n") == 1


def test_map_accepts_the_one_layer_syntax(tmp_path):
    gpkg = datasets.path("boundaries", "china_admin.gpkg")
    t = pd.DataFrame({"region_code": [110000, 120000], "ICF": [1.0, 2.0]})
    _io.write_csv(t, tmp_path / "t.csv")
    r = CliRunner().invoke(main, ["map", str(tmp_path / "t.csv"), "--column", "ICF", "-k", "2",
                                  "--boundaries", f"{gpkg}|layername=provinces",
                                  "-o", str(tmp_path / "m.png")])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["map", str(tmp_path / "t.csv"), "--column", "ICF",
                                  "--boundaries", str(gpkg), "-o", str(tmp_path / "m.png")])
    assert r.exit_code == 2 and "holds 3 layers (provinces, cities, counties)" in r.output


def test_cli_landcover_raster_without_a_year_then_sinks(tmp_path):
    """`spatial-carbon landcover lc.tif --zones z.gpkg` accepts a raster whose
    name has no year (was refused): the year column is empty and the sinks
    say how to give it."""
    import shutil

    lc = tmp_path / "lc.tif"
    shutil.copy(datasets.modis_landcover(), lc)
    prov = layers.read("bundled:province")
    prov[prov["region_code"].isin([110000, 120000, 130000])].to_file(tmp_path / "z.gpkg",
                                                                      layer="z")
    run = CliRunner().invoke
    r = run(main, ["landcover", str(lc), "--zones", str(tmp_path / "z.gpkg"), "--zone-field",
                   "region_code", "--legend", "modis_igbp", "--workers", "1", "--quiet",
                   "-o", str(tmp_path / "areas.csv")])
    assert r.exit_code == 0, r.output
    assert "the year column is empty; give --year" in r.output
    areas = _io.read_csv(tmp_path / "areas.csv")
    assert areas["year"].isna().all() and len(areas) == 3 * 18  # IGBP classes 0-17
    r = run(main, ["sinks", "--areas", str(tmp_path / "areas.csv"), "-o", str(tmp_path / "s.csv")])
    assert r.exit_code == 2 and "column 'year' is empty" in r.output and "--year" in r.output
    r = run(main, ["landcover", str(lc), "--zones", f"{tmp_path / 'z.gpkg'}|layername=z",
                   "--zone-field", "region_code", "--legend", "modis_igbp", "--year", "2019",
                   "--workers", "1", "--quiet", "-o", str(tmp_path / "areas19.csv")])
    assert r.exit_code == 0, r.output
    dated = _io.read_csv(tmp_path / "areas19.csv")
    assert (dated["year"] == 2019).all()
    np.testing.assert_array_equal(dated["pixels"], areas["pixels"])


# ----------------------------------------------------------------------- study
def _demo_toml(tmp_path: Path, **inputs) -> Path:
    from spatial_carbon.study import config

    text = config.demo_config_path().read_text(encoding="utf-8")
    for k, v in inputs.items():
        if k == "boundaries":
            text = text.replace('boundaries = "bundled:province"', f'boundaries = "{v}"')
    text = text.replace("permutations = 9999", "permutations = 99")
    p = tmp_path / "study.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_study_with_city_boundaries_and_provincial_data_is_a_clear_error(tmp_path):
    """Was: KeyError: 'region_code' (a traceback)."""
    r = CliRunner().invoke(main, ["run", str(_demo_toml(tmp_path, boundaries="bundled:city")),
                                  "--out", str(tmp_path / "o"), "--no-maps", "--no-report"])
    assert r.exit_code == 2, r.output
    assert "29 id(s) of the emission data not in the boundary layer bundled:city" in r.output
    assert "same administrative level" in r.output and "Traceback" not in r.output


def test_study_on_a_user_layer_with_its_own_ids(tmp_path):
    """Any polygon layer (a GeoPackage layer chosen with |layername=) keyed by
    any id field, with a fuel table keyed by the same ids."""
    cells = [f"Z{i:02d}" for i in range(16)]
    grid = gpd.GeoDataFrame(
        {"zid": cells, "label": [f"zone {c}" for c in cells]},
        geometry=[box(100 + i % 4, 30 + i // 4, 101 + i % 4, 31 + i // 4) for i in range(16)],
        crs="EPSG:4326")
    grid.to_file(tmp_path / "zones.gpkg", layer="grid")
    grid.iloc[:2].to_file(tmp_path / "zones.gpkg", layer="other")  # a second layer
    rng = np.random.default_rng(5)
    fuel = pd.DataFrame([(c, y, "raw coal", float(rng.uniform(10, 500)), "10^4 t")
                         for y in (2018, 2019) for c in cells],
                        columns=["region", "year", "fuel", "amount", "unit"])
    _io.write_csv(fuel, tmp_path / "fuel.csv")
    _io.write_csv(_areas(cells).rename(columns={"zone": "region"}), tmp_path / "areas.csv")
    (tmp_path / "study.toml").write_text(f"""
[study]
first_year = 2018
last_year = 2019
[inputs]
fuel = "fuel.csv"
boundaries = "zones.gpkg|layername=grid"
id_field = "zid"
name_field = "label"
[inputs.landcover]
areas = "areas.csv"
[classify]
k = 3
[spatial]
permutations = 99
""", encoding="utf-8")
    from spatial_carbon import study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        out = study.run_file(tmp_path / "study.toml", tmp_path / "out", maps=False, report=False)
    fp = _io.read_csv(out / "tables" / "footprint.csv")
    assert sorted(fp["region_code"].unique()) == cells
    gdf = gpd.read_file(out / "study.gpkg", layer="region_years")
    assert len(gdf) == 32 and set(gdf["region_code"]) == set(cells)
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m["parameters"]["inputs"]["boundaries"] == "zones.gpkg|layername=grid"  # relative
    assert m["steps"]["boundaries"]["matched"] == 16
    assert any(e["path"].endswith("zones.gpkg") for e in m["inputs"])


def test_study_config_layer_errors(tmp_path):
    from spatial_carbon.errors import ConfigError
    from spatial_carbon.study import config

    raw = {"study": {"first_year": 2019, "last_year": 2019},
           "inputs": {"ceads": "bundled:ceads/provinces", "boundaries": "none.gpkg|layername=a",
                      "landcover": {"areas": "bundled:population/China_Statistics_Yearbook_"
                                             "population_by_province_2000_2019.csv"}}}
    with pytest.raises(ConfigError, match=r"\[inputs.boundaries\] input 'none.gpkg' not found"):
        config.resolve(raw, base=tmp_path)
    raw["inputs"]["boundaries"] = "bundled:town"
    with pytest.raises(ConfigError, match="unknown bundled layer"):
        config.resolve(raw, base=tmp_path)
    raw["inputs"]["boundaries"] = "bundled:city"
    raw["inputs"]["ids"] = "names"
    with pytest.raises(ConfigError, match="ids must be one of auto, province, as_given"):
        config.resolve(raw, base=tmp_path)


# ------------------------------------------------------------------ QGIS steps
def test_qgis_worker_steps_with_the_bundled_34_unit_layer_and_ceads(tmp_path):
    """The seed-001 model's steps on the bundled 34-unit province layer with
    CEADs' 30 provinces (was: "only in the sinks table: Hong Kong, Macau,
    Taiwan, Tibet"): the four are left out with a warning, never an error."""
    prov = layers.read("bundled:province")
    prov.to_file(tmp_path / "prov34.gpkg", layer="provinces")
    zones_in = {"path": str(tmp_path / "prov34.gpkg"), "layer": "provinces"}
    run = qgis_worker.run_job
    run({"step": "ceads_import", "inputs": {"folder": str(datasets.ceads_dir())},
         "params": {"first_year": 2019, "last_year": 2019},
         "outputs": {"OUTPUT": str(tmp_path / "ice.csv")}})
    run({"step": "class_areas", "inputs": {"zones": zones_in,
                                           "rasters": [str(datasets.modis_landcover())]},
         "params": {"zone_field": "region_code", "legend": "modis_igbp", "years": [2019],
                    "workers": 1}, "outputs": {"OUTPUT": str(tmp_path / "areas.csv")}})
    run({"step": "carbon_sinks", "inputs": {"areas": str(tmp_path / "areas.csv")}, "params": {},
         "outputs": {"OUTPUT": str(tmp_path / "sinks.csv")}})
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        run({"step": "footprint", "inputs": {"ice": str(tmp_path / "ice.csv"),
                                             "sinks": str(tmp_path / "sinks.csv"),
                                             "boundaries": zones_in},
             "params": {"boundary_id": "region_code"},
             "outputs": {"OUTPUT": str(tmp_path / "fp.csv"),
                         "OUTPUT_LAYER": str(tmp_path / "fp.gpkg")}})
    mine = [str(w.message) for w in rec if issubclass(w.category, UnmatchedRegionsWarning)]
    assert len(mine) == 1 and all(n in mine[0] for n in ("Tibet", "Hong Kong", "Macau", "Taiwan"))
    fp = _io.read_csv(tmp_path / "fp.csv")
    assert fp["region_code"].nunique() == 30
    lay = gpd.read_file(tmp_path / "fp.gpkg", layer="footprint")
    assert len(lay) == 30 and 540000 not in set(lay["region_code"])
