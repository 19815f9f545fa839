"""The study below the provincial level (issue 10): `demo --level city` on the
bundled CEADs city inventory, and a county study from a user's table."""

from __future__ import annotations

import json
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from spatial_carbon.cli import main
from spatial_carbon.study import config as config_mod


def _read(out, name):
    return pd.read_csv(out / "tables" / f"{name}.csv", encoding="utf-8-sig")


def _manifest(out):
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def test_city_config_ships_beside_the_province_one(tmp_path):
    path = config_mod.demo_config_path("city")
    assert path.parent == config_mod.demo_config_path().parent
    cfg = config_mod.load(path)
    assert cfg["inputs"]["boundaries"] == "bundled:city"
    r = CliRunner().invoke(main, ["demo", "--level", "city", "--write-config",
                                  str(tmp_path / "c.toml")])
    assert r.exit_code == 0 and "ceads_cities" in (tmp_path / "c.toml").read_text("utf-8")


@pytest.mark.parametrize("extra,match", [
    ('ceads = "bundled:ceads/provinces"\n', r"exactly one of 'ceads'.*got ceads, emissions"),
    ('emissions_scope = "sectors"\n', "emissions_scope must be 'total' or 'industry'"),
])
def test_config_emission_inputs(tmp_path, extra, match):
    from spatial_carbon.errors import ConfigError

    (tmp_path / "e.csv").write_text("region_code,year,CO2_t\n110101,2015,1.0\n", encoding="utf-8")
    cfg = tmp_path / "s.toml"
    cfg.write_text('[study]\nfirst_year = 2015\nlast_year = 2015\n[inputs]\nemissions = "e.csv"\n'
                   + extra + '[inputs.landcover]\nareas = "e.csv"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=match):
        config_mod.load(cfg)


@pytest.mark.parametrize("spatial,match", [
    ("panel_years = [2015, 2010]", r"panel_years must be \[\] or \[first, last\]"),
    ("panel_years = [2010]", r"panel_years must be"),
    ("panel_min_regions = 1", "panel_min_regions must be an integer >= 2"),
])
def test_config_panel_keys(tmp_path, spatial, match):
    from spatial_carbon.errors import ConfigError

    cfg = tmp_path / "s.toml"
    cfg.write_text('[study]\nfirst_year = 2015\nlast_year = 2015\n[inputs]\n'
                   'ceads = "bundled:ceads/provinces"\n[inputs.landcover]\n'
                   'rasters = ["bundled:landcover/MCD12C1_2019_IGBP_china_clip_0p05deg.tif"]\n'
                   f'[spatial]\n{spatial}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=match):
        config_mod.load(cfg)


def test_size_depth_scatter_labels_only_the_outliers_of_many_points():
    from spatial_carbon.maps import charts

    rng = np.random.default_rng(3)
    n = 120
    z = pd.DataFrame({"region_code": np.arange(n), "region": [f"r{i}" for i in range(n)],
                      "year": 2019, "z_ICF_size": rng.normal(size=n),
                      "z_ICF_depth": rng.normal(size=n), "zone": "I"})
    z.loc[7, ["z_ICF_size", "z_ICF_depth"]] = [9.0, 9.0]  # the farthest point is labelled
    fig = charts.size_depth_scatter(z, year=2019, max_labels=40)
    labels = [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "point-label"]
    assert len(labels) == 40 and "r7" in labels
    fig = charts.size_depth_scatter(z.head(30), year=2019)  # the provinces: every point
    assert len([t for t in fig.axes[0].texts if t.get_gid() == "point-label"]) == 30
