"""Study configuration: validation and path resolution."""

import pytest

from spatial_carbon.study import config
from spatial_carbon.errors import ConfigError

MINIMAL = """
[study]
first_year = 2000
last_year = 2001
[inputs]
ceads = "bundled:ceads/provinces"
[inputs.landcover]
areas = "areas.csv"
"""


def write(tmp_path, text, areas=True):
    if areas:
        (tmp_path / "areas.csv").write_text("region,year,sink_class,area_hm2\nBeijing,2000,forest,1\n")
    p = tmp_path / "study.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_demo_config_loads_and_resolves_bundled_paths():
    cfg = config.load()
    assert cfg["inputs"]["ceads"].is_dir()
    assert cfg["inputs"]["population"].is_file()
    assert cfg["spatial"]["seed"] == 20191231
    assert cfg["inputs"]["landcover"]["fill_years"] == "nearest"


def test_defaults_are_filled_and_relative_paths_resolved(tmp_path):
    cfg = config.load(write(tmp_path, MINIMAL))
    assert cfg["sinks"]["nep_forest"] == 3.8096
    assert cfg["inputs"]["landcover"]["areas"] == (tmp_path / "areas.csv").resolve()
    assert cfg["inputs"]["landcover"]["fill_years"] == "error"


@pytest.mark.parametrize(
    "extra, match",
    [
        ("[sinkz]\nx = 1\n", r"unknown section\(s\) \['sinkz'\]"),
        ("[sinks]\nnep_forst = 3.0\n", r"unknown key\(s\) \['nep_forst'\] in \[sinks\]"),
        ("[spatial]\nseed = 'abc'\n", "seed must be an integer"),
        ("[hotspots]\ncolumns = 'ICF_size'\n", r"\[hotspots\] columns must be a list"),
        ("[bivariate]\npairs = ['ICF_size']\n", r"\[bivariate\] pairs must be a list of \[x, y\]"),
        ("[markov]\nscheme = 'jenks'\n", r"\[markov\] scheme"),
        ("[markov]\nk = 1\n", r"\[markov\] k must be"),
        ("[spatial]\ninference = 'exact'\n", r"\[spatial\] inference must be"),
        ("[centre]\ncolumnz = ['ICE']\n", r"unknown key\(s\) \['columnz'\] in \[centre\]"),
    ],
)
def test_typos_are_errors_not_defaults(tmp_path, extra, match):
    with pytest.raises(ConfigError, match=match):
        config.load(write(tmp_path, MINIMAL + extra))


def test_missing_input_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"inputs.landcover.areas\] input 'areas.csv' not found"):
        config.load(write(tmp_path, MINIMAL, areas=False))


def test_year_order_and_required_keys(tmp_path):
    with pytest.raises(ConfigError, match="first_year 2001 is after last_year 2000"):
        config.load(write(tmp_path, MINIMAL.replace("2000\nlast_year = 2001", "2001\nlast_year = 2000")))
    with pytest.raises(ConfigError, match="needs the key 'last_year'"):
        config.load(write(tmp_path, MINIMAL.replace("last_year = 2001\n", "")))


def test_exactly_one_emission_source(tmp_path):
    text = MINIMAL.replace('ceads = "bundled:ceads/provinces"', "")
    with pytest.raises(ConfigError, match="exactly one of 'ceads'"):
        config.load(write(tmp_path, text))


def test_invalid_toml(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        config.load(write(tmp_path, "[study\n"))


def test_spatial_alternative_defaults_to_folded_and_is_checked(tmp_path):
    cfg = config.load(write(tmp_path, MINIMAL))
    assert cfg["spatial"]["alternative"] == "folded"
    cfg = config.load(write(tmp_path, MINIMAL + '[spatial]\nalternative = "two-sided"\n'))
    assert cfg["spatial"]["alternative"] == "two-sided"
    with pytest.raises(ConfigError, match=r"\[spatial\] alternative must be one of"):
        config.load(write(tmp_path, MINIMAL + '[spatial]\nalternative = "both"\n'))
