"""End-to-end tests of the `moran`, `lisa` and `transitions` commands."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

gpd = pytest.importorskip("geopandas")
libpysal = pytest.importorskip("libpysal")

from spatial_carbon import _io, datasets  # noqa: E402
from spatial_carbon.cli import main  # noqa: E402


@pytest.fixture(scope="module")
def province_table(tmp_path_factory):
    g = datasets.boundaries("province")
    g = g[g.region_code != 540000]  # CEADs has no Tibet
    lat = g.geometry.representative_point().y.to_numpy()
    rng = np.random.default_rng(0)
    df = pd.concat([pd.DataFrame({"region": g["name_zh"].to_numpy(), "year": y,
                                  "ICF_size": lat + rng.normal(0, 4, len(g)),
                                  "ICF_depth": 1 + np.abs(rng.normal(0, 1, len(g)))})
                    for y in (2017, 2018, 2019)])
    p = tmp_path_factory.mktemp("t") / "table.csv"
    _io.write_csv(df, p)
    return p


def _run(args):
    r = CliRunner().invoke(main, args)
    return r


def test_moran_bundled_provinces(province_table, tmp_path):
    out = tmp_path / "m.csv"
    r = _run(["moran", str(province_table), "--column", "ICF_size", "--id-field", "region",
              "--permutations", "99", "--seed", "3", "-o", str(out)])
    assert r.exit_code == 0, r.output
    m = _io.read_csv(out)
    assert list(m["year"]) == [2017, 2018, 2019] and (m["n"] == 30).all()
    assert {"I", "p_sim", "z_rand", "permutations"} <= set(m.columns)
    rep = json.loads((tmp_path / "m.connectivity.json").read_text(encoding="utf-8"))
    assert rep["weights"]["islands"] == [460000] and rep["weights"]["added_links"] == [[460000, 440000]]
    r2 = _run(["moran", str(province_table), "--column", "ICF_size", "--id-field", "region",
               "--permutations", "99", "--seed", "3", "-o", str(tmp_path / "m2.csv")])
    assert r2.exit_code == 0
    assert (tmp_path / "m2.csv").read_bytes() == out.read_bytes()


def test_lisa_writes_csv_and_gpkg(province_table, tmp_path):
    out = tmp_path / "l.csv"
    r = _run(["lisa", str(province_table), "--column", "ICF_size", "--islands", "drop",
              "--permutations", "99", "-o", str(out)])
    assert r.exit_code == 0, r.output
    lisa = _io.read_csv(out)
    assert len(lisa) == 90
    hn = lisa[lisa.region_code == 460000]
    assert (hn["cluster"] == 6).all() and (hn["cluster_label"] == "Isolated").all()
    layer = gpd.read_file(tmp_path / "l.gpkg", layer="lisa")
    assert len(layer) == 90 and "cluster" in layer.columns


def test_transitions_outputs(province_table, tmp_path):
    out = tmp_path / "tr.csv"
    r = _run(["transitions", str(province_table), "--column", "ICF_size", "--permutations", "0",
              "-o", str(out)])
    assert r.exit_code == 0, r.output
    counts = _io.read_csv(out)
    assert list(counts.columns) == ["from", "HH", "LH", "LL", "HL"]
    assert list(counts["from"]) == ["HH", "LH", "LL", "HL"]
    assert counts[["HH", "LH", "LL", "HL"]].to_numpy().sum() == 60  # 30 regions x 2 pairs
    moves = _io.read_csv(tmp_path / "tr_moves.csv")
    assert len(moves) == 60 and set(moves["type"].astype(str)) <= {"0", "I", "II", "III"}
    assert (tmp_path / "tr_probabilities.csv").exists() and (tmp_path / "tr_summary.csv").exists()


def test_custom_layer_and_gal(tmp_path):
    g = gpd.read_file(libpysal.examples.get_path("columbus.shp"))[["POLYID", "CRIME", "geometry"]]
    g.to_file(tmp_path / "c.gpkg", layer="columbus", driver="GPKG")
    _io.write_csv(pd.DataFrame(g.drop(columns="geometry")), tmp_path / "c.csv")
    out = tmp_path / "m.csv"
    r = _run(["moran", str(tmp_path / "c.csv"), "--zones", str(tmp_path / "c.gpkg"), "--id-field",
              "POLYID", "--column", "CRIME", "--weights", libpysal.examples.get_path("columbus.gal"),
              "--permutations", "0", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert _io.read_csv(out)["I"].iloc[0] == pytest.approx(0.500188557, abs=1e-9)
    # the layer itself as TABLE
    r = _run(["moran", str(tmp_path / "c.gpkg"), "--id-field", "POLYID", "--column", "CRIME",
              "--weights", "knn:4", "--permutations", "0", "-o", str(out)])
    assert r.exit_code == 0, r.output


def test_cli_errors(tmp_path):
    g = gpd.read_file(libpysal.examples.get_path("columbus.shp"))[["POLYID", "CRIME", "geometry"]]
    g.to_file(tmp_path / "c.gpkg", driver="GPKG")
    _io.write_csv(pd.DataFrame(g.drop(columns="geometry")).head(40), tmp_path / "c.csv")
    r = _run(["moran", str(tmp_path / "c.csv"), "--zones", str(tmp_path / "c.gpkg"), "--id-field",
              "POLYID", "--column", "CRIME", "-o", str(tmp_path / "x.csv")])
    assert r.exit_code == 2 and "only in zones" in r.output
    assert not (tmp_path / "x.csv").exists()
    r = _run(["moran", str(tmp_path / "c.csv"), "--id-field", "POLYID", "--column", "CRIME",
              "-o", str(tmp_path / "x.csv")])
    assert r.exit_code == 2 and "--zones" in r.output
    r = _run(["moran", str(tmp_path / "c.csv"), "--zones", str(tmp_path / "c.gpkg"), "--id-field",
              "POLYID", "--column", "CRIME", "--weights", "distance:x", "-o", str(tmp_path / "x.csv")])
    assert r.exit_code == 2 and "distance:D" in r.output


def test_hotspots_csv_gpkg_deterministic(province_table, tmp_path):
    out = tmp_path / "h.csv"
    args = ["hotspots", str(province_table), "--column", "ICF_size", "--permutations", "99", "-o"]
    r = _run(args + [str(out)])
    assert r.exit_code == 0, r.output
    h = _io.read_csv(out)
    assert len(h) == 90 and (h["statistic"] == "G*").all()
    assert {"G", "gi_z", "gi_p", "gi_bin", "p_sim", "g_cluster", "cluster_basis"} <= set(h.columns)
    layer = gpd.read_file(tmp_path / "h.gpkg", layer="hotspots")
    assert len(layer) == 90 and layer.geometry.notna().all()
    r2 = _run(args + [str(tmp_path / "h2.csv")])
    assert (tmp_path / "h2.csv").read_bytes() == out.read_bytes()
    r3 = _run(["hotspots", str(province_table), "--column", "ICF_size", "--no-star",
               "--permutations", "0", "-o", str(tmp_path / "g.csv")])
    assert r3.exit_code == 0, r3.output
    assert (_io.read_csv(tmp_path / "g.csv")["statistic"] == "G").all()


def test_bivariate_lisa_and_moran(province_table, tmp_path):
    r = _run(["lisa", str(province_table), "--column", "ICF_size", "--with", "ICF_depth",
              "--permutations", "99", "-o", str(tmp_path / "b.csv")])
    assert r.exit_code == 0, r.output
    b = _io.read_csv(tmp_path / "b.csv")
    assert (b["with"] == "ICF_depth").all() and b["value_with"].notna().all()
    r = _run(["moran", str(province_table), "--column", "ICF_size", "--with", "ICF_depth",
              "--permutations", "99", "-o", str(tmp_path / "bm.csv")])
    assert r.exit_code == 0, r.output
    assert list(_io.read_csv(tmp_path / "bm.csv")["with"]) == ["ICF_depth"] * 3
    r = _run(["lisa", str(province_table), "--column", "ICF_size", "--with", "NOPE",
              "-o", str(tmp_path / "x.csv")])
    assert r.exit_code == 2 and "no column 'NOPE'" in r.output and "Traceback" not in r.output
    r = _run(["lisa", str(province_table), "--column", "ICF_size", "--inference", "analytic",
              "--permutations", "0", "-o", str(tmp_path / "a.csv")])
    assert r.exit_code == 0, r.output
    a = _io.read_csv(tmp_path / "a.csv")
    assert a["cluster_basis"].iloc[0].startswith("p_rand") and a["z_rand"].notna().all()


def test_markov_command(province_table, tmp_path):
    out = tmp_path / "mk.csv"
    r = _run(["markov", str(province_table), "--column", "ICF_size", "--k", "3", "-o", str(out)])
    assert r.exit_code == 0, r.output
    t = _io.read_csv(out)
    assert set(t["conditioning"]) == {"pooled", "lag class 1", "lag class 2", "lag class 3"}
    assert t.loc[t.lag_class == 0, "n_steps"].sum() == 60  # 30 regions x 2 year pairs
    for suffix in ("_steady_states", "_classes", "_units"):
        assert (tmp_path / f"mk{suffix}.csv").exists()
    rep = json.loads((tmp_path / "mk.connectivity.json").read_text(encoding="utf-8"))
    assert {"Q", "LR", "dof"} <= set(rep["homogeneity"])
    r = _run(["markov", str(province_table), "--column", "ICF_size", "--year-col", "yr",
              "-o", str(tmp_path / "x.csv")])
    assert r.exit_code == 2 and "year column" in r.output


def test_centre_command(province_table, tmp_path):
    out = tmp_path / "c.csv"
    r = _run(["centre", str(province_table), "--column", "ICF_depth", "--id-field", "region",
              "-o", str(out)])
    assert r.exit_code == 0, r.output
    c = _io.read_csv(out)
    assert list(c["year"]) == [2017, 2018, 2019] and c["distance_km"].iloc[1:].notna().all()
    g = tmp_path / "c.gpkg"
    assert len(gpd.read_file(g, layer="centres")) == 3
    assert len(gpd.read_file(g, layer="trajectory")) == 2
    ell = gpd.read_file(g, layer="ellipses")
    assert len(ell) == 9 and (ell.geom_type == "Polygon").all()
    df = _io.read_csv(province_table).assign(ICF_depth=0.0)
    _io.write_csv(df, tmp_path / "zero.csv")
    r = _run(["centre", str(tmp_path / "zero.csv"), "--column", "ICF_depth", "--id-field", "region",
              "-o", str(tmp_path / "z.csv")])
    assert r.exit_code == 2 and "sums to 0" in r.output and not (tmp_path / "z.csv").exists()
