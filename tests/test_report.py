"""The HTML study report: self-contained, complete, tolerant of missing parts."""

from __future__ import annotations

import base64
import json
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from spatial_carbon import report  # noqa: E402
from spatial_carbon._io import write_csv  # noqa: E402
from spatial_carbon.errors import InputError  # noqa: E402

FIGS = ["national_series", "choropleth_ICF", "choropleth_ICF_2019", "zones_2019",
        "moran_series", "lisa_cluster_ICF_size", "custom_extra"]


def _png(path):
    fig, ax = plt.subplots(figsize=(1, 1))
    ax.plot([0, 1], [0, 1])
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=30)
    plt.close(fig)


@pytest.fixture
def study_dir(tmp_path):
    out = tmp_path / "OUT"
    manifest = {
        "spatial_carbon": "0.1.0",
        "title": "三维碳足迹 <test> & study",
        "config_file": "study.toml",
        "parameters": {"study": {"first_year": 2018, "last_year": 2019},
                       "spatial": {"permutations": 999, "seed": 7, "columns": ["ICF_size"]}},
        "inputs": [{"path": "data/x.csv", "bytes": 12, "sha256": "ab" * 32}],
        "notes": ["regions without emission data, left out of the study: Tibet"],
        "units": {"ICF": "hm2"},
        "versions": {"python": "3.11"},
    }
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    t = out / "tables"
    write_csv(pd.DataFrame({"year": [2018, 2019], "ICF": [1.5e8, 1.6e8], "CEC": [9e7, 9.1e7],
                            "ICF_depth": [1.667, 1.758]}), t / "national.csv")
    write_csv(pd.DataFrame({"column": "ICF", "year": [None, None, 2019],
                            "pooled": [True, True, False], "break_class": [1, 2, 1],
                            "lower": [0.0, 5.0, 0.0], "upper": [5.0, 9.0, 9.0],
                            "count": [3, 2, 5]}), t / "breaks.csv")
    write_csv(pd.DataFrame({"region_code": [110000, 120000, 130000] * 2,
                            "year": [2018] * 3 + [2019] * 3,
                            "zone": ["I", "I", "III", "I", "II", "III"]}), t / "zones.csv")
    write_csv(pd.DataFrame({"column": ["ICF_size"] * 2, "year": [2018, 2019],
                            "I": [0.20412, 0.45531], "EI": [-0.0333, -0.0333],
                            "p_sim": [0.03, 0.001]}), t / "moran.csv")
    write_csv(pd.DataFrame({"region_code": [110000, 120000, 130000] * 2,
                            "year": [2018] * 3 + [2019] * 3, "column": "ICF_size",
                            "cluster": [1, 1, 0, 1, 6, 2]}), t / "lisa.csv")
    write_csv(pd.DataFrame({"from": ["HH", "LH", "LL", "HL"], "HH": [5, 1, 0, 0],
                            "LH": [0, 2, 0, 0], "LL": [0, 0, 7, 1], "HL": [0, 0, 0, 3]}),
              t / "transition_counts.csv")
    for f in FIGS:
        _png(out / "maps" / f"{f}.png")
    return out


def test_report_is_complete_and_self_contained(study_dir):
    p = report.write_report(study_dir)
    assert p == study_dir / "report.html"
    text = p.read_text(encoding="utf-8")
    # every figure embedded exactly once, as base64 PNG
    imgs = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', text)
    assert len(imgs) == len(FIGS)
    assert all(base64.b64decode(i)[:8] == b"\x89PNG\r\n\x1a\n" for i in imgs)
    # small images are embedded unchanged
    assert base64.b64decode(imgs[0]) in {(study_dir / "maps" / f"{f}.png").read_bytes() for f in FIGS}
    # nothing fetched from outside: no scripts, links or remote sources
    assert "<script" not in text and "<link" not in text
    assert not re.search(r'(src|href)="(https?:)?//', text)
    # title escaped, Chinese kept
    assert "三维碳足迹 &lt;test&gt; &amp; study" in text
    # the comparison with seed 001 is linked from the method notes (issue 12)
    assert "docs/seed001.md" in text
    for heading in ("Inputs and parameters", "National series", "Maps of the footprint",
                    "Quadrant mitigation zones", "Global Moran&#x27;s I",
                    "LISA clusters and transitions", "Other figures", "Method notes and citations"):
        assert heading in text, heading
    # parameters and notes from the manifest
    assert "permutations" in text and "999" in text and "Tibet" in text
    # Moran's I table values and the pooled breaks only
    assert "0.4553" in text and "0.2041" in text
    breaks_html = text.split("Natural breaks (pooled)")[1].split("</table>")[0]
    assert breaks_html.count("<tr>") == 1 + 2
    head = re.findall(r"<th>(.*?)</th>", breaks_html)
    assert head == ["column", "break_class", "lower", "upper", "count"]
    # zone counts per year: 2019 has one region in each of I, II, III
    zones_html = text.split("Regions per zone and year")[1].split("</table>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", zones_html)
    cells = [re.findall(r"<t[dh]>(.*?)</t[dh]>", r) for r in rows]
    assert cells[0] == ["year", "I", "II", "III"]
    assert cells[1] == ["2018", "2", "0", "1"] and cells[2] == ["2019", "1", "1", "1"]
    # LISA cluster counts named, transitions shown, absent moves reported
    assert "isolated" in text and "HH" in text
    assert "Not available: tables/transition_summary.csv and tables/transition_moves.csv" in text
    assert "Not available: tables/transition_probs.csv" in text
    assert "Anselin L. (1995)" in text


def test_report_downsamples_large_images(tmp_path):
    from PIL import Image

    out = tmp_path / "OUT"
    (out / "maps").mkdir(parents=True)
    Image.new("RGB", (3000, 1500), "white").save(out / "maps" / "national_series.png")
    text = report.build_report(out)
    data = base64.b64decode(re.findall(r'base64,([A-Za-z0-9+/=]+)"', text)[0])
    import io

    with Image.open(io.BytesIO(data)) as im:
        assert im.size == (report.REPORT_IMAGE_WIDTH, 700)


def test_report_is_deterministic(study_dir):
    a = report.build_report(study_dir)
    b = report.build_report(study_dir)
    assert a == b


def test_report_with_missing_parts(tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    text = report.write_report(out).read_text(encoding="utf-8")
    assert "Not available: manifest.json" in text
    for name in ("national", "breaks", "zones", "moran", "lisa"):
        assert f"Not available: tables/{name}.csv" in text
    assert "data:image/png" not in text


def test_report_bad_folder(tmp_path):
    with pytest.raises(InputError, match="not found"):
        report.write_report(tmp_path / "nope")
    out = tmp_path / "bad"
    out.mkdir()
    (out / "manifest.json").write_text("{not json", encoding="utf-8")
    text = report.build_report(out)
    assert "manifest.json is not valid JSON" in text


def test_report_says_when_figures_are_not_png(tmp_path):
    out = tmp_path / "OUT"
    (out / "maps").mkdir(parents=True)
    (out / "maps" / "choropleth_ICF.pdf").write_bytes(b"%PDF-1.4")
    text = report.build_report(out)
    assert "written as .pdf only" in text
