"""Build the QGIS plugin zip for Plugins > Manage and Install Plugins > Install from ZIP.

Usage:  python qgis_plugin/build_zip.py [--out DIR] [--wheel WHEEL | --no-wheel]
        (or: spatial-carbon qgis-plugin-zip --out DIR)

The zip holds one top-level folder, ``spatial_carbon_qgis/``, as QGIS expects:
the plugin sources, ``metadata.txt`` with spatial_carbon's version (its one
place is ``spatial_carbon/__init__.py``), the manual as ``help/index.html``
(from ``docs/qgis.md``; each tool's Help button opens its section) and the
spatial_carbon wheel in ``wheels/``, which the tool *Set up the
spatial_carbon worker* installs -- so nothing has to be on PyPI.

The wheel is built from a source checkout (setuptools, no network, in a
clean copy of the sources), or, in an installed (non-editable) spatial_carbon,
repacked from the installed files (checked against the RECORD).  Entries are
written in sorted order with fixed timestamps and permissions
(``SOURCE_DATE_EPOCH`` for the wheel), so the same sources give the same
bytes.  Standard library (and setuptools for the checkout build) only.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PLUGIN_DIR = HERE / "spatial_carbon_qgis"
_SKIP_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache"}
#: Folders of the plugin the build writes into the zip itself.
_GENERATED = {"wheels", "help"}
_SKIP_SUFFIXES = (".pyc", ".pyo", ".orig", ".rej", "~", ".swp")
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)
_EPOCH = "1577836800"  # 2020-01-01T00:00:00Z, the same fixed time for the wheel


# ------------------------------------------------------------------ locations
def checkout_root(here: Path = HERE) -> Path | None:
    """The source checkout holding this file, or None in an installed package."""
    root = here.parent
    if (root / "pyproject.toml").is_file() and (root / "setup.py").is_file() \
            and (root / "spatial_carbon" / "__init__.py").is_file():
        return root
    return None


def package_dir(here: Path = HERE) -> Path:
    """The ``spatial_carbon`` package: the checkout's, or the installed one
    (this file is then ``spatial_carbon/qgis_plugin/build_zip.py``)."""
    root = checkout_root(here)
    return root / "spatial_carbon" if root else here.parent


def version(here: Path = HERE) -> str:
    """spatial_carbon's version, read from ``spatial_carbon/__init__.py``."""
    text = (package_dir(here) / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'^__version__ = "([^"]+)"', text, re.M).group(1)


def manual(here: Path = HERE) -> Path | None:
    """docs/qgis.md (checkout) or spatial_carbon/docs/qgis.md (installed)."""
    root = checkout_root(here)
    p = (root / "docs" / "qgis.md") if root else (here.parent / "docs" / "qgis.md")
    return p if p.is_file() else None


# ---------------------------------------------------------------------- wheel
def build_wheel(out_dir: str | os.PathLike, here: Path = HERE) -> Path:
    """The spatial_carbon wheel: built from the checkout, or repacked from the
    installed distribution."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    root = checkout_root(here)
    return _wheel_from_checkout(root, out_dir) if root else repack_installed(out_dir)


def _wheel_from_checkout(root: Path, out_dir: Path) -> Path:
    with tempfile.TemporaryDirectory(prefix="spatial_carbon_wheel_") as tmp:
        src = Path(tmp) / "src"
        # A clean copy: no build/ leftovers of earlier builds, fixed permissions.
        for name in ("pyproject.toml", "setup.py", "README.md", "MANIFEST.in"):
            if (root / name).is_file():
                _copy(root / name, src / name)
        for name in ("spatial_carbon", "data", "docs", "qgis_plugin"):
            skip = _GENERATED if name == "qgis_plugin" else ()
            for f in _tree(root / name):
                if not (set(f.relative_to(root).parts[2:3]) & set(skip)):
                    _copy(f, src / f.relative_to(root))
        env = dict(os.environ, SOURCE_DATE_EPOCH=_EPOCH, PYTHONHASHSEED="0")
        code = ("import sys, setuptools.build_meta as b; "
                "print('@@wheel', b.build_wheel(sys.argv[1]))")
        r = subprocess.run([sys.executable, "-c", code, str(Path(tmp) / "dist")], cwd=src,
                           env=env, capture_output=True, text=True)
        line = next((s for s in r.stdout.splitlines() if s.startswith("@@wheel ")), None)
        if r.returncode != 0 or line is None:
            raise RuntimeError("building the spatial_carbon wheel failed:\n"
                               + (r.stderr or r.stdout)[-3000:])
        built = Path(tmp) / "dist" / line.split(" ", 1)[1]
        target = out_dir / built.name
        shutil.copyfile(built, target)
    return target


def _tree(folder: Path, skip_top=()):
    for r, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith(".")
                         and not d.endswith(".egg-info")
                         and not (Path(r) == folder and d in skip_top))
        for n in sorted(names):
            if not n.startswith(".") and not n.endswith(_SKIP_SUFFIXES) \
                    and not n.endswith(".aux.xml"):
                yield Path(r) / n


def _copy(a: Path, b: Path) -> None:
    b.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(a, b)
    os.chmod(b, 0o644)


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(
        b"=").decode()


def repack_installed(out_dir: str | os.PathLike) -> Path:
    """Rebuild the wheel of the installed (non-editable) spatial_carbon.

    A pure-Python wheel installs its files unchanged, so the files in the
    distribution's RECORD (minus scripts, caches and what pip adds:
    INSTALLER, REQUESTED, direct_url.json) are the wheel; each is checked
    against its RECORD hash.

    Raises
    ------
    RuntimeError
        If spatial_carbon is not installed from a wheel, or an installed file
        was modified.
    """
    import importlib.metadata as md
    import json

    dist = md.distribution("spatial_carbon")
    direct = json.loads(dist.read_text("direct_url.json") or "{}")
    if direct.get("dir_info", {}).get("editable"):
        raise RuntimeError("spatial_carbon is installed in editable mode but its checkout "
                           "was not found next to this file")
    info_dir = next(str(f.parts[0]) for f in dist.files if str(f.parts[0]).endswith(
        ".dist-info"))
    entries = {}
    for f in dist.files or []:
        parts = f.parts
        if parts[0] == ".." or "__pycache__" in parts or (
                parts[0] == info_dir and f.name in ("INSTALLER", "REQUESTED", "RECORD",
                                                    "direct_url.json")):
            continue
        data = Path(f.locate()).read_bytes()
        if f.hash is not None and _record_hash(data) != f"{f.hash.mode}={f.hash.value}":
            raise RuntimeError(f"installed file {f} differs from the installed wheel's RECORD; "
                               "reinstall spatial_carbon")
        entries[Path(*parts).as_posix()] = data
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n"
                     for name, data in sorted(entries.items()))
    record += f"{info_dir}/RECORD,,\n"
    entries[f"{info_dir}/RECORD"] = record.encode()
    target = Path(out_dir) / f"spatial_carbon-{dist.version}-py3-none-any.whl"
    _write_zip(target, sorted(entries.items()))
    return target


# ---------------------------------------------------------------------- help
def _slug(text: str) -> str:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces -> '-'."""
    text = re.sub(r"<[^>]+>", "", text).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _inline(text: str) -> str:
    parts = re.split(r"(`[^`]+`)", text)
    out = []
    for p in parts:
        if p.startswith("`") and p.endswith("`") and len(p) > 1:
            out.append("<code>%s</code>" % html.escape(p[1:-1]))
            continue
        keep = []  # raw HTML tags (anchors, <br>, <sup>) pass through
        p = re.sub(r"</?[a-zA-Z][^<>]*>", lambda m: keep.append(m.group(0)) or "\0%d\0"
                   % (len(keep) - 1), p)
        p = html.escape(p, quote=False)
        p = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", p)
        p = re.sub(r"(?<![\w*])\*([^*]+)\*(?![\w*])", r"<i>\1</i>", p)
        p = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", lambda m: '<a href="%s">%s</a>' % (
            m.group(2), m.group(1)), p)
        p = re.sub(r"\0(\d+)\0", lambda m: keep[int(m.group(1))], p)
        out.append(p)
    return "".join(out)


def markdown_to_html(text: str, title: str = "spatial_carbon in QGIS") -> str:
    """The subset of Markdown docs/qgis.md uses, as one HTML page.

    Headings (with GitHub's anchors), paragraphs, fenced code, pipe tables,
    bullet and numbered lists, inline code, bold, italics, links and raw HTML
    anchors (``<a id="tool-lisa"></a>``).  Written here because the build
    must not need a Markdown package; ``tests/test_qgis_packaging.py`` checks
    the anchors every tool's Help button uses.
    """
    lines = text.splitlines()
    out, i, para = [], 0, []

    def flush():
        if para:
            out.append("<p>%s</p>" % _inline(" ".join(s.strip() for s in para)))
            para.clear()

    while i < len(lines):
        line = lines[i]
        s = line.strip()
        if s.startswith("```"):
            flush()
            j = i + 1
            while j < len(lines) and not lines[j].strip().startswith("```"):
                j += 1
            out.append("<pre><code>%s</code></pre>" % html.escape("\n".join(lines[i + 1:j])))
            i = j + 1
            continue
        m = re.match(r"(#{1,6})\s+(.*)", s)
        if m:
            flush()
            n = len(m.group(1))
            out.append('<h%d id="%s">%s</h%d>' % (n, _slug(m.group(2)), _inline(m.group(2)), n))
            i += 1
            continue
        if s.startswith("|") and i + 1 < len(lines) and re.match(r"\s*\|[\s:|-]+\|\s*$",
                                                                   lines[i + 1]):
            flush()
            rows = []
            j = i
            while j < len(lines) and lines[j].strip().startswith("|"):
                if j != i + 1:
                    rows.append([c.strip() for c in lines[j].strip().strip("|").split("|")])
                j += 1
            head = "".join("<th>%s</th>" % _inline(c) for c in rows[0])
            body = "".join("<tr>%s</tr>" % "".join("<td>%s</td>" % _inline(c) for c in r)
                           for r in rows[1:])
            out.append("<table><tr>%s</tr>%s</table>" % (head, body))
            i = j
            continue
        m = re.match(r"(\s*)([*-]|\d+\.)\s+(.*)", line)
        if m:
            flush()
            tag = "ol" if m.group(2)[0].isdigit() else "ul"
            items, j = [], i
            while j < len(lines):
                mm = re.match(r"(\s*)([*-]|\d+\.)\s+(.*)", lines[j])
                if mm and len(mm.group(1)) <= len(m.group(1)) + 1:
                    items.append(mm.group(3))
                elif lines[j].strip() and lines[j].startswith(" ") and items:
                    items[-1] += " " + lines[j].strip().lstrip("*- ")
                else:
                    break
                j += 1
            out.append("<%s>%s</%s>" % (tag, "".join("<li>%s</li>" % _inline(x)
                                                      for x in items), tag))
            i = j
            continue
        if not s:
            flush()
        elif re.match(r"</?[a-zA-Z][^>]*>$", s):  # a raw HTML line (anchor)
            flush()
            out.append(s)
        else:
            para.append(s)
        i += 1
    flush()
    style = ("body{font-family:sans-serif;max-width:60em;margin:auto;padding:1em;"
             "line-height:1.4}code,pre{background:#f4f4f4}pre{padding:.5em;overflow:auto}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .4em}")
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%s</title>"
            "<style>%s</style></head><body>\n%s\n</body></html>\n"
            % (html.escape(title), style, "\n".join(out)))


# ------------------------------------------------------------------------ zip
def _write_zip(target: Path, entries) -> None:
    """Write ``(name, bytes)`` entries, sorted, fixed time and mode, atomically."""
    tmp = target.with_name("." + target.name + ".tmp")
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in entries:
                info = zipfile.ZipInfo(name, _FIXED_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, data)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def _metadata(plugin_dir: Path, ver: str) -> bytes:
    text = (plugin_dir / "metadata.txt").read_text(encoding="utf-8")
    return re.sub(r"^version=.*$", "version=" + ver, text, count=1, flags=re.M).encode("utf-8")


def plugin_version(plugin_dir: Path = PLUGIN_DIR) -> str:
    """The version the zip's metadata.txt carries (spatial_carbon's)."""
    return version(Path(plugin_dir).parent)


def build_zip(out_dir: str | os.PathLike = ".", plugin_dir: Path = PLUGIN_DIR,
              wheel: str | os.PathLike | None = None, with_wheel: bool = True) -> Path:
    """Write ``spatial_carbon_qgis-<version>.zip`` into ``out_dir``; return its path.

    Parameters
    ----------
    wheel : path, optional
        A spatial_carbon wheel to put in ``wheels/``; default: build one
        (:func:`build_wheel`).
    with_wheel : bool
        False leaves the wheel out (a zip for a machine whose worker is set
        up otherwise).
    """
    plugin_dir = Path(plugin_dir)
    if not (plugin_dir / "metadata.txt").is_file():
        raise FileNotFoundError(f"{plugin_dir} holds no metadata.txt; is this a checkout?")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ver = version(plugin_dir.parent)
    target = out_dir / f"{plugin_dir.name}-{ver}.zip"
    top = Path(plugin_dir.name)
    entries = []
    for f in _tree(plugin_dir, skip_top=_GENERATED):
        rel = f.relative_to(plugin_dir)
        data = _metadata(plugin_dir, ver) if rel.as_posix() == "metadata.txt" else f.read_bytes()
        entries.append(((top / rel).as_posix(), data))
    doc = manual(plugin_dir.parent)
    if doc is not None:
        entries.append(((top / "help" / "index.html").as_posix(),
                        markdown_to_html(doc.read_text(encoding="utf-8")).encode("utf-8")))
    if with_wheel:
        with tempfile.TemporaryDirectory(prefix="spatial_carbon_zip_") as tmp:
            w = Path(wheel) if wheel else build_wheel(tmp, plugin_dir.parent)
            entries.append(((top / "wheels" / w.name).as_posix(), w.read_bytes()))
    _write_zip(target, sorted(entries))
    return target


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="dist", help="output folder (default: dist)")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--wheel", help="spatial_carbon wheel to bundle (default: build it)")
    g.add_argument("--no-wheel", action="store_true", help="leave the wheel out")
    args = ap.parse_args(argv)
    print(build_zip(args.out, wheel=args.wheel, with_wheel=not args.no_wheel))
    return 0


if __name__ == "__main__":
    sys.exit(main())
