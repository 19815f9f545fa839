"""Growth-rate decomposition (seed 000) on a hand-worked two-sector region.

Base year: Y = [60, 40] (Y0 = 100), E = [30, 10] (E0 = 40):
  s0 = [.6, .4], e0 = [.5, .25], π = [.75, .25].
Final year: Y = [80, 70] (Y1 = 150), E = [32, 21] (E1 = 53):
  s1 = [8/15, 7/15], e1 = [.4, .3].
scale     = 50/100 = 0.5
structure = .75 (8/15 - .6)/.6 + .25 (7/15 - .4)/.4 = -1/12 + 1/24 = -1/24
technique = .75 (.4 - .5)/.5 + .25 (.3 - .25)/.25 = -.15 + .05 = -0.1
total     = 13/40 = 0.325;  residual = 0.325 - 0.5 + 1/24 + 0.1 = -1/30
x E0 = 40 t: 20, -5/3, -4, -4/3; sum 13 = E1 - E0.
"""

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from spatial_carbon.cli import main
from spatial_carbon.errors import InputError, ZeroCapacityError
from spatial_carbon.inputoutput.growth import growth_decompose
from spatial_carbon.inputoutput.lmdi import lmdi_decompose


def _table():
    return pd.DataFrame({
        "region": ["Hebei"] * 4, "sector": ["a", "b", "a", "b"], "year": [2005, 2005, 2019, 2019],
        "output": [60.0, 40.0, 80.0, 70.0], "emissions": [30.0, 10.0, 32.0, 21.0]})


def test_growth_decomposition_by_hand():
    r = growth_decompose(_table(), 2005, 2019).iloc[0]
    np.testing.assert_allclose([r.scale, r.structure, r.technique, r.residual, r.total],
                               [0.5, -1 / 24, -0.1, -1 / 30, 0.325])
    np.testing.assert_allclose([r.scale_t, r.structure_t, r.technique_t, r.residual_t],
                               [20.0, -5 / 3, -4.0, -4 / 3])
    np.testing.assert_allclose(r.scale_t + r.structure_t + r.technique_t + r.residual_t, 53 - 40)
    assert r.region_code == 130000 and r.method == "growth"
    # the unit names the absolute columns
    assert "scale_Mt" in growth_decompose(_table(), 2005, 2019, unit="Mt").columns


def test_growth_and_lmdi_agree_on_the_total_not_the_split():
    g = growth_decompose(_table(), 2005, 2019).iloc[0]
    lm = lmdi_decompose(_table(), 2005, 2019).iloc[0]
    np.testing.assert_allclose(g.total_t, lm.total)
    assert abs(g.scale_t - lm.scale) > 1.0  # first-order growth rates vs log-mean weights


def test_zero_base_emissions_sector_uses_the_limit():
    # sector b had output but no emissions in 2005: π_b = 0, e_b0 = 0; technique term
    # Σ Y_i0 (e_i1 - e_i0)/E0 = (60 (32/80 - .5) + 40 (21/70 - 0)) / 30 = (-6 + 12)/30 = 0.2
    t = _table().assign(emissions=[30.0, 0.0, 32.0, 21.0])
    r = growth_decompose(t, 2005, 2019).iloc[0]
    np.testing.assert_allclose(r.technique, 0.2)
    np.testing.assert_allclose(r.structure, -1 / 9)  # π = [1, 0]: (8/15 - .6)/.6
    np.testing.assert_allclose(r.total_t, 53 - 30)


def test_sector_in_one_year_only_is_an_error_pointing_to_lmdi():
    t = pd.concat([_table(), pd.DataFrame({"region": ["Hebei"], "sector": ["new"], "year": [2019],
                                            "output": [5.0], "emissions": [1.0]})])
    with pytest.raises(InputError, match=r"Hebei: sector\(s\) \['new'\] appear in one year only.*use LMDI"):
        growth_decompose(t, 2005, 2019)
    with pytest.raises(InputError, match="zero output"):
        growth_decompose(_table().assign(output=[60.0, 0.0, 80.0, 70.0]), 2005, 2019)
    with pytest.raises(ZeroCapacityError, match="zero emissions in 2005"):
        growth_decompose(_table().assign(emissions=[0.0, 0.0, 1.0, 1.0]), 2005, 2019)


def test_national_pooling():
    t = pd.concat([_table(), _table().assign(region="Shanxi")])
    r = growth_decompose(t, 2005, 2019, by=None).iloc[0]
    # two identical regions pooled: the same shares as one
    np.testing.assert_allclose([r.scale, r.structure, r.technique], [0.5, -1 / 24, -0.1])
    assert r.region == "all"


def test_cli_method_growth(tmp_path):
    _table().to_csv(tmp_path / "d.csv", index=False)
    r = CliRunner().invoke(main, ["decompose", str(tmp_path / "d.csv"), "--from", "2005", "--to", "2019",
                                  "--method", "growth", "-o", str(tmp_path / "g.csv")])
    assert r.exit_code == 0, r.output
    g = pd.read_csv(tmp_path / "g.csv", encoding="utf-8-sig")
    np.testing.assert_allclose(g.loc[0, "structure"], -1 / 24)
    # LMDI stays the default
    r = CliRunner().invoke(main, ["decompose", str(tmp_path / "d.csv"), "--from", "2005", "--to", "2019",
                                  "-o", str(tmp_path / "l.csv")])
    assert r.exit_code == 0, r.output
    assert "D_scale" in pd.read_csv(tmp_path / "l.csv", encoding="utf-8-sig").columns
    r = CliRunner().invoke(main, ["decompose", str(tmp_path / "d.csv"), "--from", "2005", "--to", "2019",
                                  "--method", "growth", "--energy-mix", "-o", str(tmp_path / "x.csv")])
    assert r.exit_code == 2 and "--energy-mix" in r.output
