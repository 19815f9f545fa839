"""CLI: map, figures, report and style commands (parse, call one function, write)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from spatial_carbon._io import write_csv
from spatial_carbon.cli import main


def _table(tmp_path):
    rng = np.random.default_rng(1)
    rows = [(name, y, float(v)) for y in (2018, 2019)
            for name, v in zip(["Beijing", "Hebei", "山西", "Nei Monggol", "Liaoning", "Jilin"],
                               rng.gamma(2, 10, 6))]
    p = tmp_path / "fp.csv"
    write_csv(pd.DataFrame(rows, columns=["region", "year", "ICF"]), p)
    return p


def test_map_command_writes_png_and_pdf(tmp_path):
    t = _table(tmp_path)
    r = CliRunner().invoke(main, ["map", str(t), "--column", "ICF", "--years", "2018,2019",
                                  "-k", "3", "--format", "png", "--format", "pdf",
                                  "-o", str(tmp_path / "out" / "icf.png")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "out" / "icf.png").stat().st_size > 1000
    assert (tmp_path / "out" / "icf.pdf").read_bytes()[:5] == b"%PDF-"


def test_map_command_bad_input_is_a_message(tmp_path):
    t = _table(tmp_path)
    r = CliRunner().invoke(main, ["map", str(t), "--column", "XYZ", "--years", "2019",
                                  "-o", str(tmp_path / "x.png")])
    assert r.exit_code == 2
    assert "no column 'XYZ'" in r.output
    r = CliRunner().invoke(main, ["map", str(t), "--column", "ICF", "--years", "20x9",
                                  "-o", str(tmp_path / "x.png")])
    assert r.exit_code == 2 and "'20x9' is not a year or a range like 2000-2011" in r.output


@pytest.mark.parametrize("layout", ["current", "earlier"])
def test_style_and_report_commands(tmp_path, layout):
    brk = tmp_path / "breaks.csv"
    if layout == "current":
        b = pd.DataFrame({"column": "ICF", "year": [None, None], "pooled": True,
                          "break_class": [1, 2], "lower": [0.0, 5.0], "upper": [5.0, 9.5],
                          "count": [1, 1]})
    else:  # a breaks file of an earlier version: class, year "pooled"
        b = pd.DataFrame({"column": "ICF", "year": "pooled", "class": [1, 2],
                          "lower": [0.0, 5.0], "upper": [5.0, 9.5], "count": [1, 1]})
    write_csv(b, brk)
    r = CliRunner().invoke(main, ["style", "graduated", "--breaks", str(brk),
                                  "-o", str(tmp_path / "icf.qml")])
    assert r.exit_code == 0, r.output
    root = ET.fromstring((tmp_path / "icf.qml").read_text(encoding="utf-8").split("\n", 1)[1])
    assert [x.get("upper") for x in root.iter("range")] == ["5.0", "9.5"]
    r = CliRunner().invoke(main, ["style", "lisa", "-o", str(tmp_path / "lisa.qml")])
    assert r.exit_code == 0 and (tmp_path / "lisa.qml").exists()
    r = CliRunner().invoke(main, ["style", "graduated", "-o", str(tmp_path / "g.qml")])
    assert r.exit_code == 2 and "--breaks" in r.output
    out = tmp_path / "OUT"
    out.mkdir()
    r = CliRunner().invoke(main, ["report", str(out)])
    assert r.exit_code == 0, r.output
    assert (out / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_flow_map_command(tmp_path):
    f = tmp_path / "flows.csv"
    write_csv(pd.DataFrame({"origin": ["Beijing", "Hebei"], "origin_code": [110000, 130000],
                            "destination": ["Hebei", "Shanxi"],
                            "destination_code": [130000, 140000], "value": [3.0, 1.0]}), f)
    r = CliRunner().invoke(main, ["flow-map", str(f), "-o", str(tmp_path / "flows.png")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "flows.png").stat().st_size > 1000
    g = tmp_path / "g.csv"
    write_csv(pd.DataFrame({"origin": ["Northeast"], "destination": ["Southwest"],
                            "value": [2.0]}), g)
    r = CliRunner().invoke(main, ["flow-map", str(g), "--scheme", "seed002_8",
                                  "-o", str(tmp_path / "g.png")])
    assert r.exit_code == 0, r.output


def test_map_command_lisa_and_zones(tmp_path):
    lisa = tmp_path / "lisa.csv"
    write_csv(pd.DataFrame({"region_code": [110000, 130000, 140000], "year": 2019,
                            "cluster": [1, 0, 2], "p_sim": [0.01, 0.4, 0.002]}), lisa)
    for kind in ("lisa-cluster", "lisa-significance"):
        r = CliRunner().invoke(main, ["map", str(lisa), "--kind", kind, "--years", "2019",
                                      "-o", str(tmp_path / f"{kind}.png")])
        assert r.exit_code == 0, r.output
        assert (tmp_path / f"{kind}.png").exists()
    zones = tmp_path / "zones.csv"
    write_csv(pd.DataFrame({"region": ["Beijing", "Hebei"], "year": 2019, "zone": ["I", "IV"]}),
              zones)
    r = CliRunner().invoke(main, ["map", str(zones), "-o", str(tmp_path / "c.png")])
    assert r.exit_code == 2 and "--column" in r.output


@pytest.mark.cjk
def test_map_command_zones_in_chinese(tmp_path):
    zones = tmp_path / "zones.csv"
    write_csv(pd.DataFrame({"region": ["Beijing", "Hebei"], "year": 2019, "zone": ["I", "IV"]}),
              zones)
    r = CliRunner().invoke(main, ["map", str(zones), "--kind", "zones", "--lang", "zh", "--labels",
                                  "-o", str(tmp_path / "z.png")])
    assert r.exit_code == 0, r.output
