"""Region registry, spellings and groupings."""

import pandas as pd
import pytest

from spatial_carbon import regions
from spatial_carbon.errors import InputError, UnknownRegionError


@pytest.mark.parametrize(
    "spelling, code",
    [
        ("InnerMongolia", 150000),  # CEADs sheet name
        ("Nei Monggol", 150000),
        ("Neimenggu", 150000),
        ("内蒙古", 150000),
        ("内蒙古自治区", 150000),
        ("Inner Mongolia Autonomous Region", 150000),
        ("Shanxi", 140000),
        ("Shaanxi", 610000),  # not to be confused with Shanxi
        ("陕西省", 610000),
        ("Guangxi Zhuang Autonomous Region", 450000),
        ("广西壮族自治区", 450000),
        ("新疆维吾尔自治区", 650000),
        ("Xinjiang Uygur", 650000),
        ("Xizang", 540000),
        ("北京市", 110000),
        ("京", 110000),
        ("  beijing ", 110000),
        (110000, 110000),
        ("11", 110000),
        ("CN046", 460000),
        ("Hainan Province", 460000),
        ("Heilongjiang Sheng", 230000),
    ],
)
def test_lookup_spellings(spelling, code):
    assert regions.lookup(spelling) == code


def test_registry_has_31_mainland_provinces_with_unique_codes():
    reg = regions.registry(mainland31=True)
    assert len(reg) == 31
    assert reg["region_code"].is_unique
    assert set(regions.registry()["region"]) >= {"Taiwan", "Hong Kong", "Macau"}


def test_unknown_region_lists_closest_names():
    with pytest.raises(UnknownRegionError, match="did you mean 'Shanghai'"):
        regions.lookup("Shangai")


def test_to_codes_reports_every_unknown_name_and_the_source():
    with pytest.raises(UnknownRegionError, match=r"in fuel\.csv: 'Jilinn' \(closest: Jilin.*'Atlantis'"):
        regions.to_codes(["Beijing", "Jilinn", "Atlantis"], where="fuel.csv")


def test_attach_codes_replaces_the_name_column_and_keeps_input_intact():
    df = pd.DataFrame({"province": ["内蒙古", "Beijing"], "x": [1.0, 2.0]})
    before = df.copy()
    out = regions.attach_codes(df, "province")
    assert list(out.columns) == ["region_code", "region", "x"]
    assert out["region_code"].tolist() == [150000, 110000]
    assert out["region"].tolist() == ["Inner Mongolia", "Beijing"]
    pd.testing.assert_frame_equal(df, before)


def test_attach_codes_missing_column():
    with pytest.raises(InputError, match="no region column 'province'"):
        regions.attach_codes(pd.DataFrame({"x": [1]}), "province")


@pytest.mark.parametrize("scheme, n_groups", [("seed002_8", 8), ("seed003_8", 8), ("ecw3", 3), ("nbs4", 4)])
def test_groupings_cover_each_mainland_province_once(scheme, n_groups):
    g = regions.grouping(scheme)
    assert sorted(g.index) == sorted(regions.registry(mainland31=True)["region_code"])
    assert g.nunique() == n_groups


def test_seed_groupings_match_the_issue_text():
    g2 = regions.grouping("seed002_8")
    assert g2[150000] == "Middle Yellow River" and g2[540000] == "Northwest"
    g3 = regions.grouping("seed003_8")
    assert g3[150000] == "Northwest" and g3[540000] == "Southwest"
    assert sorted(regions.names(g3[g3 == "Jing-Jin"].index)) == ["Beijing", "Tianjin"]


def test_unknown_grouping():
    with pytest.raises(InputError, match="known: ecw3"):
        regions.grouping("nope")
