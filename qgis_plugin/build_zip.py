"""Build the QGIS plugin zip for Plugins > Manage and Install Plugins > Install from ZIP.

Usage:  python qgis_plugin/build_zip.py [--out DIR]
        (or: spatial-carbon qgis-plugin-zip --out DIR)

Standard library only.  The zip holds one top-level folder,
``spatial_carbon_qgis/``, as QGIS expects; caches and editor files are left
out, and entries are written in sorted order with a fixed timestamp so the
same sources give the same bytes.
"""

from __future__ import annotations

import argparse
import configparser
import os
import sys
import zipfile
from pathlib import Path

PLUGIN_DIR = Path(__file__).resolve().parent / "spatial_carbon_qgis"
_SKIP_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache"}
_SKIP_SUFFIXES = (".pyc", ".pyo", ".orig", ".rej", "~", ".swp")
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)


def plugin_version(plugin_dir: Path = PLUGIN_DIR) -> str:
    cp = configparser.ConfigParser()
    cp.read(plugin_dir / "metadata.txt", encoding="utf-8")
    return cp["general"]["version"]


def build_zip(out_dir: str | os.PathLike = ".", plugin_dir: Path = PLUGIN_DIR) -> Path:
    """Write ``spatial_carbon_qgis-<version>.zip`` into ``out_dir``; return its path."""
    plugin_dir = Path(plugin_dir)
    if not (plugin_dir / "metadata.txt").is_file():
        raise FileNotFoundError(f"{plugin_dir} holds no metadata.txt; is this a checkout?")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{plugin_dir.name}-{plugin_version(plugin_dir)}.zip"
    files = []
    for root, dirs, names in os.walk(plugin_dir):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        for n in sorted(names):
            if n.startswith(".") or n.endswith(_SKIP_SUFFIXES):
                continue
            files.append(Path(root) / n)
    tmp = target.with_name("." + target.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(files):
            arc = Path(plugin_dir.name) / f.relative_to(plugin_dir)
            info = zipfile.ZipInfo(arc.as_posix(), _FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, f.read_bytes())
    os.replace(tmp, target)
    return target


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="dist", help="output folder (default: dist)")
    args = ap.parse_args(argv)
    print(build_zip(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
