"""StudyResult: the named tables shared by the study pipeline, maps, styles and report."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from spatial_carbon import _io, styles
from spatial_carbon.errors import InputError
from spatial_carbon.study import StudyResult
from spatial_carbon.study.result import TABLES


def _t(**cols):
    return pd.DataFrame(cols)


def test_tables_are_attributes_in_chain_order():
    r = StudyResult.from_tables({"lisa": _t(a=[1]), "ice": _t(b=[2]), "panel_info": _t(c=[3])})
    assert r.ice is not None and r.lisa is not None and r.footprint is None
    assert list(r.tables()) == ["ice", "lisa", "panel_info"]  # TABLES order, then extra
    assert r.get("footprint") is None and r.get("footprint", 5) == 5
    assert r.get("panel_info")["c"].tolist() == [3]
    assert "lisa" in r and "footprint" not in r
    assert set(TABLES) >= {"ice", "sinks", "footprint", "zones", "breaks", "moran", "lisa"}


def test_old_dictionary_access_warns():
    r = StudyResult.from_tables({"ice": _t(b=[2])}, notes=["n"])
    with pytest.warns(DeprecationWarning, match="use the StudyResult attributes"):
        assert list(r["tables"]) == ["ice"]
    with pytest.warns(DeprecationWarning):
        assert r["notes"] == ["n"]


def test_read_an_output_folder(tmp_path):
    _io.write_csv(_t(region_code=[1], year=[2019], ICF=[2.0]), tmp_path / "tables" / "footprint.csv")
    _io.write_csv(_t(x=[1]), tmp_path / "tables" / "something_new.csv")
    (tmp_path / "manifest.json").write_text(json.dumps(
        {"parameters": {"maps": {"years": [2019]}}, "notes": ["a note"],
         "diagnostics": [{"code": "all_deficit", "message": "m"}], "steps": {"ice": {}}}),
        encoding="utf-8")
    r = StudyResult.read(tmp_path)
    assert r.footprint["ICF"].tolist() == [2.0]
    assert list(r.extra) == ["something_new"]
    assert r.config["maps"]["years"] == [2019] and r.notes == ["a note"]
    assert r.diagnostics[0]["code"] == "all_deficit"
    with pytest.raises(InputError, match="no tables/ folder"):
        StudyResult.read(tmp_path / "tables")


def test_styles_read_a_study_result():
    brk = _t(column=["ICF"] * 2, year=[None] * 2, pooled=[True] * 2, k=[2, 2],
             break_class=[1, 2], lower=[0.0, 1.0], upper=[1.0, 2.0], count=[1, 1])
    r = StudyResult.from_tables({"breaks": brk, "zones": _t(zone=["I"])})
    assert set(styles.study_styles(r)) == set(styles.study_styles(r.tables()))
