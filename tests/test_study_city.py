"""The study below the provincial level (issue 10): `demo --level city` on the
bundled CEADs city inventory, and a county study from a user's table."""

from __future__ import annotations

import json
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
