"""QGIS plugin: cost of the worker check, and of setting up the worker.

Run (Debian with QGIS, after ``bash .ci/qgis_setup.sh``)::

    nice -n 10 python3 benchmarks/qgis_setup.py [--skip-setup]

1. The check before a tool runs.  It used to import the whole stack in the
   worker (``python -m spatial_carbon.qgis_worker check``: numpy, pandas,
   geopandas, rasterio ...) on QGIS's GUI thread -- the ~4.4 s freeze of the
   first dialog and the 2-3 s every ``qgis_process`` call paid.  Now: the
   quick probe (``worker_env.PROBE``: metadata only), in the background.
   Printed: both times (best of 5) and their ratio, same machine, same run.
2. Setting up the worker, offline from the wheelhouse: ``setup_worker`` run by
   ``qgis_process.bin`` (venv from QGIS's own Python + pip) against the same
   two steps done by hand (``python3 -m venv`` + ``pip install --no-index``),
   in the same run; time and size of the environment.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import best_of  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "qgis_plugin"))
from spatial_carbon_qgis import worker_env  # noqa: E402
import build_zip  # noqa: E402

WORKER = os.environ.get("SPATIAL_CARBON_PYTHON", str(REPO / ".venv-qgis" / "bin" / "python"))
WHEELHOUSE = Path(os.environ.get("SPATIAL_CARBON_WHEELHOUSE", REPO / ".wheelhouse"))


def _env(home):
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "SPATIAL_CARBON_PYTHON")
           and not k.startswith("PIP_")}
    env.update(PATH="/usr/bin:/bin:" + env.get("PATH", ""), HOME=str(home),
               XDG_RUNTIME_DIR=str(home), QT_QPA_PLATFORM="offscreen",
               PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1")
    return env


def check_costs():
    full = best_of(lambda: subprocess.run([WORKER, "-m", "spatial_carbon.qgis_worker", "check"],
                                          capture_output=True, check=True, cwd="/"), 5)
    quick = best_of(lambda: worker_env.probe(WORKER, cwd="/"), 5)
    info = worker_env.probe(WORKER, cwd="/")
    assert "error" not in info and not info.get("missing"), info
    print(f"worker check: full import {full:.2f} s, quick probe {quick:.3f} s, "
          f"ratio full/quick {full / quick:.0f}")


def setup_costs(tmp: Path):
    if not any(WHEELHOUSE.glob("numpy-*.whl")):
        print(f"no wheelhouse at {WHEELHOUSE}: setup not measured (run .ci/qgis_setup.sh)")
        return
    zpath = build_zip.build_zip(tmp / "zip")
    home = tmp / "home"
    plugins = home / ".local/share/QGIS/QGIS3/profiles/default/python/plugins"
    plugins.mkdir(parents=True)
    import zipfile

    zipfile.ZipFile(zpath).extractall(plugins)
    env = _env(home)
    subprocess.run(["/usr/bin/qgis_process.bin", "plugins", "enable", "spatial_carbon_qgis"],
                   env=env, capture_output=True, check=True)
    venv = tmp / "venv_tool"
    t0 = time.perf_counter()
    r = subprocess.run(["/usr/bin/qgis_process.bin", "--json", "run",
                        "spatial_carbon:setup_worker", "--", f"VENV={venv}",
                        f"WHEELS={WHEELHOUSE}"], env=env, capture_output=True, text=True)
    t_tool = time.perf_counter() - t0
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    res = json.loads(r.stdout[r.stdout.index("{"):])["results"]
    wheel = next((plugins / "spatial_carbon_qgis" / "wheels").glob("*.whl"))
    manual = tmp / "venv_manual"
    t0 = time.perf_counter()
    subprocess.run(["/usr/bin/python3", "-m", "venv", str(manual)], env=env, check=True)
    subprocess.run([str(manual / "bin" / "python"), "-m", "pip", "install", "-q", "--no-index",
                    "--find-links", str(WHEELHOUSE), str(wheel)], env=env, check=True)
    t_manual = time.perf_counter() - t0
    print(f"setup_worker (qgis_process, offline): {t_tool:.1f} s wall "
          f"({res['SECONDS']:.1f} s inside the tool), environment {res['SIZE_MB']:.0f} MB; "
          f"by hand (venv + pip): {t_manual:.1f} s, "
          f"{worker_env.folder_size(str(manual)) / 1e6:.0f} MB; ratio tool/hand "
          f"{t_tool / t_manual:.2f}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-setup", action="store_true")
    args = ap.parse_args(argv)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    check_costs()
    if not args.skip_setup:
        tmp = Path(tempfile.mkdtemp(prefix="sc_bench_setup_"))
        try:
            setup_costs(tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
