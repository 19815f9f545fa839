"""Tests of spatial_carbon.footprint.zones: quadrant zones from z-scores (Chen Mingxing et al. 2009)."""

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from spatial_carbon import _io
from spatial_carbon.footprint import zones
from spatial_carbon.cli import main
from spatial_carbon.errors import ClassificationError, InputError, MissingDataError


def _fp():
    # 2011: size mean 7, depth mean 2.5 -> A (+,+) I, B (-,+) II, C (-,-) III, D (+,-) IV
    return pd.DataFrame({
        "region_code": [110000, 120000, 130000, 140000],
        "region": ["Beijing", "Tianjin", "Hebei", "Shanxi"],
        "year": [2011] * 4,
        "ICF_size": [10.0, 2.0, 4.0, 12.0],
        "ICF_depth": [3.0, 5.0, 1.0, 1.0],
    })


def test_quadrants_hand_worked():
    out = zones.quadrants(_fp())
    assert out["zone"].tolist() == ["I", "II", "III", "IV"]
    assert out["zone_name"].tolist() == ["core mitigation", "critical", "observation", "buffer"]
    # size deviations 3, -5, -3, 5 -> population variance 68/4 = 17 -> z_A = 3 / sqrt(17)
    np.testing.assert_allclose(out["z_ICF_size"], np.array([3, -5, -3, 5]) / np.sqrt(17))
    # depth deviations 0.5, 2.5, -1.5, -1.5 -> variance (0.25+6.25+2.25+2.25)/4 = 2.75
    np.testing.assert_allclose(out["z_ICF_depth"], np.array([0.5, 2.5, -1.5, -1.5]) / np.sqrt(2.75))


def test_tie_at_mean_counts_as_high_and_years_are_separate():
    fp = pd.DataFrame({
        "region": ["a", "b", "c", "a", "b", "c"], "year": [2000] * 3 + [2001] * 3,
        "ICF_size": [1.0, 2.0, 3.0, 30.0, 10.0, 20.0],
        "ICF_depth": [3.0, 2.0, 1.0, 1.0, 3.0, 2.0],
    })
    out = zones.quadrants(fp)
    # 2000 (means 2, 2): a low size/high depth -> II; b at the mean on both axes -> I
    # (tie rule: z = 0 is high); c high size/low depth -> IV.
    # 2001 (means 20, 2): a -> IV; b -> II; c at the mean on both axes -> I
    assert out["zone"].tolist() == ["II", "I", "IV", "IV", "II", "I"]


def test_all_equal_depth_is_an_error():
    fp = _fp().assign(ICF_depth=1.0)
    with pytest.raises(ClassificationError, match="ICF_depth.*2011.*no region is in deficit"):
        zones.quadrants(fp)
    with pytest.raises(ClassificationError, match="fewer than 2 regions"):
        zones.quadrants(_fp().iloc[[0]])


def test_bad_columns():
    with pytest.raises(InputError, match="no column 'ICF_size'"):
        zones.quadrants(_fp().drop(columns="ICF_size"))
    with pytest.raises(MissingDataError, match="missing"):
        zones.quadrants(_fp().assign(ICF_size=[1.0, np.nan, 2.0, 3.0]))


def test_input_not_modified():
    fp = _fp()
    before = fp.copy()
    zones.quadrants(fp)
    pd.testing.assert_frame_equal(fp, before)


def test_cli_zones(tmp_path):
    src = tmp_path / "fp.csv"
    _io.write_csv(_fp(), src)
    out = tmp_path / "zones.csv"
    r = CliRunner().invoke(main, ["zones", "-i", str(src), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert _io.read_csv(out)["zone"].tolist() == ["I", "II", "III", "IV"]
    _io.write_csv(_fp().assign(ICF_depth=1.0), src)
    r = CliRunner().invoke(main, ["zones", "-i", str(src), "-o", str(tmp_path / "bad.csv")])
    assert r.exit_code == 2 and "same value" in r.output
    assert not (tmp_path / "bad.csv").exists()
