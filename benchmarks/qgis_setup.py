"""QGIS plugin: cost of the worker check, and of setting up the worker.

Run (Debian with QGIS, after ``bash .ci/qgis_setup.sh``)::

    nice -n 10 python3 benchmarks/qgis_setup.py [--skip-setup] [--online]

1. The check before a tool runs.  It used to import the whole stack in the
   worker (``python -m spatial_carbon.qgis_worker check``: numpy, pandas,
   geopandas, rasterio ...) on QGIS's GUI thread -- the ~4.4 s freeze of the
   first dialog and the 2-3 s every ``qgis_process`` call paid.  Now: the
   quick probe (``worker_env.PROBE``: metadata only), in the background.
   Printed: both times (best of 5) and their ratio, same machine, same run.
   And what a user sees: the wall time of one ``qgis_process.bin run
   spatial_carbon:natural_breaks`` with the plugin before the change (commit
   BEFORE, its check imports the stack in the foreground) and now, same
   worker, same inputs, alternating (best of 3 each); their ratio.
2. Setting up the worker, offline from the wheelhouse: ``setup_worker`` run by
   ``qgis_process.bin`` (venv from QGIS's own Python + pip) against the same
   two steps done by hand (``python3 -m venv`` + ``pip install --no-index``),
   in the same run; time and size of the environment.  With ``--online``
   also ``setup_worker`` without a wheel folder, from the package index pip is
   configured for (PyPI), with an empty pip cache.
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
#: the last commit whose plugin checked the worker by importing the whole stack
#: on the calling (GUI) thread before every run
BEFORE = "4d291f0"


def _env(home, online=False):
    """A fresh user's environment; offline: pip may use no index at all.
    Online: pip's configured index (PyPI) and certificate, no local wheel folders."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "SPATIAL_CARBON_PYTHON")
           and not k.startswith("PIP_")}
    env.update(PATH="/usr/bin:/bin:" + env.get("PATH", ""), HOME=str(home),
               XDG_RUNTIME_DIR=str(home), QT_QPA_PLATFORM="offscreen")
    if online:
        if os.environ.get("PIP_CERT"):
            env["PIP_CERT"] = os.environ["PIP_CERT"]
        env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_CACHE_DIR="1")
    else:
        env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1")
    return env


def _profile_with(plugin_src: Path, home: Path) -> dict:
    """A fresh QGIS profile in ``home`` with the plugin folder ``plugin_src`` enabled."""
    plugins = home / ".local/share/QGIS/QGIS3/profiles/default/python/plugins"
    plugins.mkdir(parents=True)
    shutil.copytree(plugin_src, plugins / "spatial_carbon_qgis")
    env = _env(home)
    env["SPATIAL_CARBON_PYTHON"] = WORKER
    subprocess.run(["/usr/bin/qgis_process.bin", "plugins", "enable", "spatial_carbon_qgis"],
                   env=env, capture_output=True, check=True)
    return env


def process_costs(tmp: Path):
    """Wall time of one qgis_process run with the plugin of BEFORE and of now."""
    old_src = tmp / "before"
    old_src.mkdir()
    arch = subprocess.run(["git", "-C", str(REPO), "archive", BEFORE, "qgis_plugin/spatial_carbon_qgis"],
                          capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(old_src)], input=arch, check=True)
    envs = {"before": _profile_with(old_src / "qgis_plugin" / "spatial_carbon_qgis", tmp / "h_before"),
            "now": _profile_with(REPO / "qgis_plugin" / "spatial_carbon_qgis", tmp / "h_now")}
    gpkg = REPO / "data" / "boundaries" / "china_admin.gpkg"
    times = {k: [] for k in envs}
    for i in range(3):
        for key, env in envs.items():
            out = tmp / f"breaks_{key}_{i}.gpkg"
            t0 = time.perf_counter()
            r = subprocess.run(["/usr/bin/qgis_process.bin", "run", "spatial_carbon:natural_breaks",
                                "--", f"INPUT={gpkg}|layername=provinces", "FIELD=region_code",
                                "K=5", f"OUTPUT={out}"], env=env, capture_output=True, text=True)
            times[key].append(time.perf_counter() - t0)
            assert r.returncode == 0 and out.exists(), (key, r.stdout[-1500:], r.stderr[-1500:])
    b, n = min(times["before"]), min(times["now"])
    print(f"qgis_process run natural_breaks: before ({BEFORE}) {b:.2f} s, now {n:.2f} s, "
          f"ratio before/now {b / n:.2f} (best of 3, alternating)")


def check_costs():
    full = best_of(lambda: subprocess.run([WORKER, "-m", "spatial_carbon.qgis_worker", "check"],
                                          capture_output=True, check=True, cwd="/"), 5)
    quick = best_of(lambda: worker_env.probe(WORKER, cwd="/"), 5)
    info = worker_env.probe(WORKER, cwd="/")
    assert "error" not in info and not info.get("missing"), info
    print(f"worker check: full import {full:.2f} s, quick probe {quick:.3f} s, "
          f"ratio full/quick {full / quick:.0f}")


def setup_online(tmp: Path):
    """setup_worker from the package index (no wheel folder), empty pip cache."""
    zpath = build_zip.build_zip(tmp / "zip_online")
    home = tmp / "home_online"
    plugins = home / ".local/share/QGIS/QGIS3/profiles/default/python/plugins"
    plugins.mkdir(parents=True)
    import zipfile

    zipfile.ZipFile(zpath).extractall(plugins)
    env = _env(home, online=True)
    subprocess.run(["/usr/bin/qgis_process.bin", "plugins", "enable", "spatial_carbon_qgis"],
                   env=env, capture_output=True, check=True)
    venv = tmp / "venv_online"
    t0 = time.perf_counter()
    r = subprocess.run(["/usr/bin/qgis_process.bin", "--json", "run",
                        "spatial_carbon:setup_worker", "--", f"VENV={venv}"],
                       env=env, capture_output=True, text=True)
    t_tool = time.perf_counter() - t0
    if r.returncode != 0:
        print(f"setup_worker online failed (no index reachable?): {r.stdout[-800:]} {r.stderr[-800:]}")
        return
    res = json.loads(r.stdout[r.stdout.index("{"):])["results"]
    print(f"setup_worker (qgis_process, online, empty pip cache): {t_tool:.1f} s wall "
          f"({res['SECONDS']:.1f} s inside the tool), environment {res['SIZE_MB']:.0f} MB")


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
    ap.add_argument("--online", action="store_true",
                    help="also set up from the package index (downloads ~180 MB)")
    args = ap.parse_args(argv)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    check_costs()
    tmp = Path(tempfile.mkdtemp(prefix="sc_bench_setup_"))
    try:
        process_costs(tmp)
        if not args.skip_setup:
            setup_costs(tmp)
            if args.online:
                setup_online(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
