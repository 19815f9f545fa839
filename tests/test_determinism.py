"""Determinism: every output file is byte-identical for the same inputs (issue 11).

GeoPackages used to carry the wall-clock time in ``gpkg_contents.last_change``
(GDAL writes it); spatial_carbon pins it (``OGR_CURRENT_DATE``, see
``spatial_carbon._io.gpkg_date``) for the layers and the ``layer_styles`` table.
The runs are a second apart so a clock value would show.
"""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from spatial_carbon import _io, study

REPO = Path(__file__).resolve().parents[1]


def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_two_demo_runs_write_identical_bytes(tmp_path):
    a = study.run_file(None, tmp_path / "a")
    time.sleep(1.1)
    b = study.run_file(None, tmp_path / "b")
    da, db = digests(a), digests(b)
    assert sorted(da) == sorted(db)
    assert {"study.gpkg", "report.html", "manifest.json"} <= set(da)
    assert any(k.startswith("maps/") for k in da)
    differ = sorted(k for k in da if da[k] != db[k])
    assert not differ, f"files differ between two runs: {differ}"
    with sqlite3.connect(a / "study.gpkg") as con:
        dates = {r[0] for r in con.execute("SELECT last_change FROM gpkg_contents")}
    assert dates == {_io.gpkg_date()}


def test_lisa_gpkg_is_identical_across_runs(tmp_path):
    t = tmp_path / "t.csv"
    names = ["Beijing", "Tianjin", "Hebei", "Shanxi", "Inner Mongolia", "Liaoning", "Jilin",
             "Heilongjiang", "Shandong", "Henan"]
    pd.DataFrame({"region": names, "year": 2019,
                  "v": [3.0, 1, 4, 1, 5, 9, 2, 6, 5, 3]}).to_csv(t, index=False)
    outs = []
    for i in range(2):
        o = tmp_path / f"l{i}.csv"
        r = subprocess.run([sys.executable, "-m", "spatial_carbon", "lisa", str(t), "--column",
                            "v", "--permutations", "99", "-o", str(o)], capture_output=True,
                           text=True, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
        assert r.returncode == 0, r.stderr
        outs.append(o)
        time.sleep(1.1)
    for suffix in (".csv", ".gpkg", ".connectivity.json"):
        p0 = outs[0].with_suffix(suffix) if suffix != ".connectivity.json" else \
            outs[0].with_name("l0.connectivity.json")
        p1 = outs[1].with_suffix(suffix) if suffix != ".connectivity.json" else \
            outs[1].with_name("l1.connectivity.json")
        assert p0.read_bytes() == p1.read_bytes(), suffix
