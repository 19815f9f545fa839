"""Ready for PyPI: the sdist and the wheel carry the data and the plugin; a wheel
install finds its data and builds the QGIS plugin zip; twine is happy.

Builds with ``python -m build --no-isolation`` (no download: setuptools and
wheel of this environment) in a copy of the checkout, into a temporary folder.
"""

from __future__ import annotations

import configparser
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import spatial_carbon

REPO = Path(__file__).resolve().parents[1]
TOOLS = sorted(re.search(r'^    NAME = "(\w+)"', f.read_text(encoding="utf-8"), re.M).group(1)
               for f in (REPO / "qgis_plugin" / "spatial_carbon_qgis" / "algorithms").glob("*.py")
               if re.search(r'^    NAME = "(\w+)"', f.read_text(encoding="utf-8"), re.M))


def _source_copy(dest: Path) -> Path:
    """The checkout's tracked files (what a release is built from)."""
    try:
        files = subprocess.run(["git", "-C", str(REPO), "ls-files", "-z"], capture_output=True,
                               check=True).stdout.decode().split("\0")
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    for f in filter(None, files):
        src = REPO / f
        if src.is_file():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest / f)
    # files of this working tree not committed yet (a branch under test)
    for f in subprocess.run(["git", "-C", str(REPO), "ls-files", "-z", "--others",
                             "--exclude-standard"], capture_output=True,
                            check=True).stdout.decode().split("\0"):
        if f and (REPO / f).is_file():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(REPO / f, dest / f)
    return dest


@pytest.fixture(scope="module")
def dists(tmp_path_factory):
    """sdist and wheel built from a copy of the checkout."""
    src = _source_copy(tmp_path_factory.mktemp("src"))
    out = tmp_path_factory.mktemp("dist")
    r = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out),
                        str(src)], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    wheel = next(out.glob("*.whl"))
    sdist = next(out.glob("*.tar.gz"))
    return {"wheel": wheel, "sdist": sdist, "out": out}


def test_twine_check_is_clean(dists):
    r = subprocess.run([sys.executable, "-m", "twine", "check", "--strict",
                        str(dists["wheel"]), str(dists["sdist"])], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("PASSED") == 2


def test_version_is_set_in_one_place(dists):
    v = spatial_carbon.__version__
    assert dists["wheel"].name == f"spatial_carbon-{v}-py3-none-any.whl"
    assert dists["sdist"].name == f"spatial_carbon-{v}.tar.gz"
    assert 'version = ' not in (REPO / "pyproject.toml").read_text(encoding="utf-8").split(
        "[project.optional-dependencies]")[0]
    meta = configparser.ConfigParser()
    meta.read(REPO / "qgis_plugin" / "spatial_carbon_qgis" / "metadata.txt", encoding="utf-8")
    assert meta["general"]["version"] == "0.0.0.dev0"  # build_zip writes the real one


def test_wheel_carries_data_plugin_and_docs(dists):
    names = set(zipfile.ZipFile(dists["wheel"]).namelist())
    data = REPO / "data"
    for f in ["boundaries/china_admin.gpkg", "population/"
              "China_Statistics_Yearbook_population_by_province_2000_2019.csv",
              "landcover/MCD12C1_2019_IGBP_china_clip_0p05deg.tif", "README.md"]:
        assert f"spatial_carbon/sample_data/{f}" in names, f
    xlsx = sorted(p.name for p in (data / "ceads" / "provinces").glob("*.xlsx"))
    assert len(xlsx) == 23
    for x in xlsx:
        assert f"spatial_carbon/sample_data/ceads/provinces/{x}" in names
    plugin = "spatial_carbon/qgis_plugin/spatial_carbon_qgis/"
    for f in ["metadata.txt", "models/seed001_study.model3", "icons/spatial_carbon.svg",
              "algorithms/lisa.py", "runner.py", "worker_env.py"]:
        assert plugin + f in names, f
    assert "spatial_carbon/qgis_plugin/build_zip.py" in names
    assert "spatial_carbon/docs/qgis.md" in names
    assert "spatial_carbon/data/regions.csv" in names  # the package's own tables
    assert not [n for n in names if n.startswith("tests/") or "/wheels/" in n
                or "__pycache__" in n]


def test_sdist_carries_sources_data_plugin_and_tests(dists):
    import tarfile

    top = dists["sdist"].name[:-len(".tar.gz")]
    names = set(tarfile.open(dists["sdist"]).getnames())
    for f in ["setup.py", "pyproject.toml", "README.md", "data/boundaries/china_admin.gpkg",
              "qgis_plugin/build_zip.py", "qgis_plugin/spatial_carbon_qgis/metadata.txt",
              "docs/qgis.md", "tests/test_packaging.py", "spatial_carbon/__init__.py"]:
        assert f"{top}/{f}" in names, f


@pytest.fixture(scope="module")
def installed(dists, tmp_path_factory):
    """The wheel installed (no dependencies, offline) into its own folder."""
    target = tmp_path_factory.mktemp("site")
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index",
                        "--target", str(target), str(dists["wheel"])], capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    return target


def _run_installed(target, code, *args, cwd):
    env = {k: v for k, v in os.environ.items() if k != "SPATIAL_CARBON_DATA"}
    env["PYTHONPATH"] = str(target)  # first on sys.path: the installed copy, not the checkout
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=600)


def test_wheel_install_finds_its_data(installed, tmp_path):
    r = _run_installed(installed, "import spatial_carbon, spatial_carbon.datasets as d; "
                       "print(spatial_carbon.__file__); print(d.data_dir()); "
                       "print(len(d.boundaries('province')), len(list(d.ceads_dir().glob('*.xlsx'))))",
                       cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    pkg, data, counts = r.stdout.splitlines()
    assert pkg.startswith(str(installed))
    assert data == str(installed / "spatial_carbon" / "sample_data")  # package data, no share/
    assert counts == "31 23"


def test_city_demo_from_a_wheel_install(installed, tmp_path):
    """Issue 10, done means: `demo --level city` works on a fresh install -- the
    CEADs city workbook, the city layer and demo_city.toml come from the wheel's
    package data, not from a checkout (maps left out here: test_study_city draws them)."""
    cli = "from spatial_carbon.cli import main; main()"
    out = tmp_path / "city"
    r = _run_installed(installed, cli, "demo", "--level", "city", "--no-maps", "--out", str(out),
                       cwd=tmp_path)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m["config_file"] == "bundled:demo_city.toml"
    assert m["steps"]["ice"]["match"]["matched"] == 288
    assert m["steps"]["panels"]["transitions"]["ICF_size"]["n_regions"] == 208
    for f in ("columns.csv", "report.html", "study.gpkg", "tables/footprint.csv",
              "tables/markov_transitions.csv"):
        assert (out / f).is_file(), f


def test_qgis_plugin_zip_from_a_wheel_install(installed, dists, tmp_path):
    """`spatial-carbon qgis-plugin-zip` works without a checkout: the plugin
    sources come from the installed package, the wheel is repacked from the
    installed files -- the same files as the original wheel."""
    cli = "from spatial_carbon.cli import main; main()"
    r = _run_installed(installed, cli, "qgis-plugin-zip", "--out", str(tmp_path / "z"),
                       cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    zpath = Path(r.stdout.strip().splitlines()[-1])
    v = spatial_carbon.__version__
    assert zpath.name == f"spatial_carbon_qgis-{v}.zip"
    z = zipfile.ZipFile(zpath)
    inner = f"spatial_carbon_qgis/wheels/spatial_carbon-{v}-py3-none-any.whl"
    (tmp_path / "inner.whl").write_bytes(z.read(inner))
    original, repacked = zipfile.ZipFile(dists["wheel"]), zipfile.ZipFile(tmp_path / "inner.whl")
    record = f"spatial_carbon-{v}.dist-info/RECORD"
    assert sorted(original.namelist()) == sorted(repacked.namelist())
    for n in original.namelist():
        if n != record:
            assert original.read(n) == repacked.read(n), n
    meta = configparser.ConfigParser()
    meta.read_string(z.read("spatial_carbon_qgis/metadata.txt").decode("utf-8"))
    assert meta["general"]["version"] == v
    assert "spatial_carbon_qgis/help/index.html" in z.namelist()
    # the same bytes again
    r2 = _run_installed(installed, cli, "qgis-plugin-zip", "--out", str(tmp_path / "z2"),
                        cwd=tmp_path)
    assert r2.returncode == 0 and (tmp_path / "z2" / zpath.name).read_bytes() == zpath.read_bytes()


def test_qgis_plugin_zip_from_the_checkout_is_reproducible(tmp_path):
    """The zip of a checkout carries the plugin, its manual and a freshly built
    wheel; two builds give the same bytes."""
    sys.path.insert(0, str(REPO / "qgis_plugin"))
    try:
        import build_zip
    finally:
        sys.path.remove(str(REPO / "qgis_plugin"))
    a = build_zip.build_zip(tmp_path / "a")
    b = build_zip.build_zip(tmp_path / "b")
    assert a.read_bytes() == b.read_bytes()
    z = zipfile.ZipFile(a)
    names = z.namelist()
    v = spatial_carbon.__version__
    assert f"spatial_carbon_qgis/wheels/spatial_carbon-{v}-py3-none-any.whl" in names
    assert all(n.startswith("spatial_carbon_qgis/") for n in names)
    page = z.read("spatial_carbon_qgis/help/index.html").decode("utf-8")
    for name in TOOLS + ["seed001_study"]:
        assert f'<a id="tool-{name}"></a>' in page, name  # each tool's Help button
    assert "<table>" in page and "<pre><code>" in page
    assert build_zip.build_zip(tmp_path / "c", with_wheel=False).stat().st_size < 2_000_000
