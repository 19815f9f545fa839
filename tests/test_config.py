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
        ("[spatial]\nseed = 'abc'\n", r"\[spatial\] seed must be a whole number .*got 'abc'"),
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


# ---------------------------------------------------------------- issue 11: types
@pytest.mark.parametrize(
    "extra, match",
    [
        ("[sinks]\nnep_forest = 'abc'\n", r"\[sinks\] nep_forest must be a number .*got 'abc'"),
        ("[footprint]\nproject_cec_to = 'soon'\n",
         r"\[footprint\] project_cec_to must be a whole number .*got 'soon'"),
        ("[spatial]\npermutations = true\n",
         r"\[spatial\] permutations must be a whole number \(not true/false\), got True"),
        ("[spatial]\nalpha = 5\n", r"alpha must be between 0 and 1, got 5"),
        ("[spatial]\nweights = 'queens'\n", r"\[spatial\] weights: unknown weights kind 'queens'"),
        ("[classify]\nscheme = 'jenks'\n", r"\[classify\] unknown classification scheme"),
        ("[classify]\nk = 1\n", r"k must be at least 2"),
        ("[maps]\nyears = [1800]\n",
         r"\[maps\] years \[1800\] are outside the study years 2000-2001"),
        ("[maps]\nformats = ['png', 'jpg']\n", r"\[maps\] formats must be .*png, pdf, svg"),
        ("[maps]\nlang = 'fr'\n", r"\[maps\] lang must be one of 'en', 'zh', got 'fr'"),
        ("[footprint]\nshares = [0.8]\n", r"\[footprint\] shares must be .*\[P_forest"),
        ("[footprint]\ngrowth_periods = [[2001, 2000]]\n", r"growth period \[2001, 2000\]"),
        ("[footprint]\nbasis = 'co2'\n", r"basis must be one of 'CO2', 'C'"),
    ],
)
def test_values_of_the_wrong_type_are_named(tmp_path, extra, match):
    with pytest.raises(ConfigError, match=match):
        config.load(write(tmp_path, MINIMAL + extra))


def test_booleans_are_not_years(tmp_path):
    with pytest.raises(ConfigError, match=r"\[study\] first_year must be a whole number .*True"):
        config.load(write(tmp_path, MINIMAL.replace("first_year = 2000", "first_year = true")))


def test_landcover_values_are_typed(tmp_path):
    text = MINIMAL + 'fill_years = "closest"\n'
    with pytest.raises(ConfigError, match=r"\[inputs.landcover\] fill_years must be one of "
                                          r"'error', 'nearest', got 'closest'"):
        config.load(write(tmp_path, text))
    with pytest.raises(ConfigError, match=r"\[inputs.landcover\] years must be a list of whole"):
        config.load(write(tmp_path, MINIMAL + "years = 2019\n"))


def test_shares_as_the_demo_comment_documents(tmp_path):
    cfg = config.load(write(tmp_path, MINIMAL + "[footprint]\nshares = [0.8, 0.2]\n"))
    assert cfg["footprint"]["shares"] == {"forest": 0.8, "grassland": 0.2}
    cfg = config.load(write(tmp_path, MINIMAL + "[footprint]\nshares = {forest = 0.7, grassland = 0.3}\n"))
    assert cfg["footprint"]["shares"] == {"forest": 0.7, "grassland": 0.3}
    assert "[P_f, P_g]" in config.demo_config_path().read_text(encoding="utf-8")


@pytest.mark.parametrize("encoding, match", [("utf-16", "saved as UTF-16"),
                                             ("utf-16-le", "saved as UTF-16"),
                                             ("gbk", "saved as GBK/GB18030")])
def test_toml_in_another_encoding_is_named(tmp_path, encoding, match):
    p = write(tmp_path, "")
    p.write_bytes(('title = "中国"\n' + MINIMAL).encode(encoding))
    with pytest.raises(ConfigError, match=match + ".*save it as UTF-8"):
        config.load(p)


def test_bundled_names_stay_in_the_bundled_folder(tmp_path):
    text = MINIMAL.replace("bundled:ceads/provinces", "bundled:../../../../etc/passwd")
    with pytest.raises(ConfigError, match=r"\[inputs.ceads\] bundled name .* leaves the bundled"):
        config.load(write(tmp_path, text))


def test_every_key_has_a_type():
    """A new key must say its type (config.TYPES): a typo'd value is then an error."""
    for section, keys in config.SCHEMA.items():
        for k in keys:
            assert k in config.TYPES[section], f"[{section}] {k} has no entry in config.TYPES"
    assert set(config.LANDCOVER_KEYS) == set(config.TYPES["landcover"])
