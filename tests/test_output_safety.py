"""Never lose user data: output folders, links, special files, inputs, full
disks, read-only file systems and interruptions (issue 11, data loss).

The rules live in ``spatial_carbon/_io.py``; the CLI runs every command under
them (``spatial_carbon/cli/_options.py::guard``).  Disk-full and read-only
cases run the CLI in a private mount namespace on a tiny tmpfs
(``unshare --user --map-root-user --mount``; skipped where user namespaces are
unavailable) and are also simulated in-process with an errno-raising writer.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from spatial_carbon import _io
from spatial_carbon.errors import OutputError

REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg"}
AREAS = "region,year,sink_class,area_hm2\nBeijing,2019,forest,100\nBeijing,2019,grassland,50\n"


def sc(*args, cwd=None, timeout=300, **kw):
    """Run the CLI as users do (a subprocess)."""
    return subprocess.run([sys.executable, "-m", "spatial_carbon", *map(str, args)], cwd=cwd,
                          env=ENV, capture_output=True, text=True, timeout=timeout, **kw)


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def one_error_line(r) -> str:
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), r.stderr
    assert "Traceback" not in r.stderr
    return lines[0]


@pytest.fixture
def areas(tmp_path):
    p = tmp_path / "areas.csv"
    p.write_text(AREAS, encoding="utf-8")
    return p


# ---------------------------------------------------------------- study folders
def _study_toml(folder: Path, population: Path | None = None) -> Path:
    """A tiny valid study (two years, class areas from a CSV): fast to check."""
    cfg = folder / "study.toml"
    pop = f'population = "{population.name}"\n' if population else ""
    cfg.write_text(
        '[study]\nfirst_year = 2018\nlast_year = 2019\n'
        f'[inputs]\nceads = "bundled:ceads/provinces"\n{pop}'
        '[inputs.landcover]\nareas = "areas.csv"\n', encoding="utf-8")
    (folder / "areas.csv").write_text(AREAS, encoding="utf-8")
    return cfg


def test_out_never_deletes_a_folder_spatial_carbon_did_not_write(tmp_path):
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "chapter1.docx").write_bytes(b"my thesis")
    cfg = _study_toml(tmp_path)
    for extra in ([], ["--overwrite"]):
        msg = one_error_line(sc("run", cfg, "--out", thesis, *extra))
        assert "thesis" in msg and "not written by spatial_carbon" in msg
        assert "chapter1.docx" in msg and "new or empty folder" in msg
    assert (thesis / "chapter1.docx").read_bytes() == b"my thesis"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["areas.csv", "study.toml", "thesis"]


@pytest.mark.parametrize("out", [".", "here"])
def test_out_holding_the_study_inputs_is_never_replaced(tmp_path, out):
    """``--out .`` or the folder of the study file and its inputs: refused,
    with or without --overwrite, and nothing is touched."""
    folder = tmp_path / "here"
    folder.mkdir()
    pop = folder / "population.csv"
    shutil.copy(REPO / "data" / "population" /
                "China_Statistics_Yearbook_population_by_province_2000_2019.csv", pop)
    cfg = _study_toml(folder, population=pop)
    before = digest(folder)
    cwd = folder if out == "." else tmp_path
    for extra in ([], ["--overwrite"]):
        msg = one_error_line(sc("run", cfg, "--out", out, *extra, cwd=cwd))
        assert "an input of this run" in msg or "not written by spatial_carbon" in msg
    assert digest(folder) == before


def test_an_earlier_output_that_now_holds_an_input_is_never_replaced(tmp_path):
    out = tmp_path / "out"
    with _io.atomic_folder(out) as tmp:
        (tmp / "manifest.json").write_text("{}")
    cfg = _study_toml(out)  # the user keeps the study inside the old output
    msg = one_error_line(sc("run", cfg, "--out", out, "--overwrite"))
    assert "holds" in msg and "an input of this run" in msg
    assert (out / "study.toml").exists() and (out / "areas.csv").exists()


def test_overwrite_replaces_only_our_own_folder(tmp_path):
    out = tmp_path / "out"
    with _io.atomic_folder(out) as tmp:
        (tmp / "tables").mkdir()
        (tmp / "tables" / "x.csv").write_text("a\n1\n")
    mark = json.loads((out / _io.FOLDER_MARK).read_text())
    assert mark["written_by"] == "spatial_carbon" and "tables/x.csv" in mark["files"]
    # without overwrite: refused
    with pytest.raises(OutputError, match="earlier spatial_carbon output; pass --overwrite"):
        _io.check_folder(out)
    # a file the user added makes it not (only) ours any more
    (out / "tables" / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match=r"did not write \(tables/notes.txt\)"):
        _io.check_folder(out, overwrite=True)
    (out / "tables" / "notes.txt").unlink()
    # figures/report add files to a study folder: still ours
    (out / "maps").mkdir()
    (out / "maps" / "icf.pdf").write_bytes(b"%PDF")
    _io.check_folder(out, overwrite=True, also=("maps/*.pdf",))
    with _io.atomic_folder(out, overwrite=True, also=("maps/*.pdf",)) as tmp:
        (tmp / "new.txt").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == [_io.FOLDER_MARK, "new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporary twin


def test_a_failed_folder_write_leaves_the_previous_one(tmp_path):
    out = tmp_path / "out"
    with _io.atomic_folder(out) as tmp:
        (tmp / "a.txt").write_text("old")
    with pytest.raises(ZeroDivisionError):
        with _io.atomic_folder(out, overwrite=True) as tmp:
            (tmp / "a.txt").write_text("new")
            1 / 0
    assert (out / "a.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_new_output_folder_has_normal_permissions(tmp_path):
    with _io.atomic_folder(tmp_path / "o") as tmp:
        (tmp / "a.txt").write_text("x")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE((tmp_path / "o").stat().st_mode) == 0o777 & ~mask  # not mkdtemp's 0700


def test_an_empty_folder_is_filled(tmp_path):
    (tmp_path / "o").mkdir()
    with _io.atomic_folder(tmp_path / "o") as tmp:
        (tmp / "a.txt").write_text("x")
    assert (tmp_path / "o" / "a.txt").read_text() == "x"


def test_folder_checks_come_before_the_study_runs(tmp_path):
    """The refusal is immediate (no CEADs reading first)."""
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "x.docx").write_bytes(b"x")
    t = time.perf_counter()
    one_error_line(sc("demo", "--out", thesis))
    assert time.perf_counter() - t < 8  # the demo itself takes 10-30 s


# ------------------------------------------------------ -o: links, devices, stdout
def test_output_through_a_symlink_replaces_the_file_it_names(tmp_path, areas):
    target = tmp_path / "real.csv"
    target.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(target.name)
    r = sc("sinks", "--areas", areas, "-o", link)
    assert r.returncode == 0, r.stderr
    assert link.is_symlink() and os.readlink(link) == "real.csv"
    assert pd.read_csv(target, encoding="utf-8-sig")["CS"].iloc[0] > 0


def test_output_to_a_dangling_symlink_creates_its_target(tmp_path, areas):
    link = tmp_path / "link.csv"
    link.symlink_to("sub/made.csv")
    r = sc("sinks", "--areas", areas, "-o", link)
    assert r.returncode == 0, r.stderr
    assert link.is_symlink() and (tmp_path / "sub" / "made.csv").is_file()


def test_output_to_a_fifo_writes_into_it(tmp_path, areas):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    r = sc("sinks", "--areas", areas, "-o", fifo)
    data = reader.communicate(timeout=60)[0]
    assert r.returncode == 0, r.stderr
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert data.startswith(b"\xef\xbb\xbfregion_code,region,year")


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod needs root")
def test_output_to_a_character_device_is_written_not_replaced(tmp_path, areas):
    dev = tmp_path / "null"
    os.mknod(dev, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a private /dev/null node
    r = sc("sinks", "--areas", areas, "-o", dev)
    assert r.returncode == 0, r.stderr
    assert stat.S_ISCHR(dev.stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["areas.csv", "null"]


def test_dev_null_stays_a_device():
    before = os.stat("/dev/null")
    with _io.atomic_path("/dev/null") as tmp:
        tmp.write_text("x")
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


def test_dev_full_is_a_one_line_disk_full_error(areas):
    msg = one_error_line(sc("sinks", "--areas", areas, "-o", "/dev/full"))
    assert "/dev/full" in msg and "ENOSPC" in msg and "free some space" in msg


def test_dash_is_standard_output(tmp_path, areas):
    r = sc("sinks", "--areas", areas, "-o", "-", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    sc("sinks", "--areas", areas, "-o", tmp_path / "file.csv")
    assert r.stdout.encode("utf-8") == (tmp_path / "file.csv").read_bytes().decode(
        "utf-8").encode("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["areas.csv", "file.csv"]  # no file "-"
    assert "region-years written" in r.stderr  # messages never mix into the data


def test_dash_is_refused_where_a_command_writes_several_files(areas, tmp_path):
    msg = one_error_line(sc("io-transfer", areas, "--emissions", areas, "-o", "-"))
    assert "standard output" in msg and "several files" in msg
    msg = one_error_line(sc("breaks", "-i", areas, "-c", "area_hm2", "-o", "-"))
    assert "-b/--breaks-output" in msg


def test_output_under_a_file_is_a_clear_error(areas):
    msg = one_error_line(sc("sinks", "--areas", areas, "-o", f"{areas}/x.csv"))
    assert "is a file, not a folder" in msg


# ----------------------------------------------------------- outputs onto inputs
def test_output_equal_to_an_input_is_refused(tmp_path, areas):
    before = areas.read_bytes()
    msg = one_error_line(sc("sinks", "--areas", areas, "-o", areas))
    assert "also an input" in msg and "areas.csv" in msg
    link = tmp_path / "alias.csv"
    link.symlink_to(areas)
    one_error_line(sc("sinks", "--areas", areas, "-o", link))
    hard = tmp_path / "hard.csv"
    os.link(areas, hard)
    one_error_line(sc("sinks", "--areas", areas, "-o", hard))
    one_error_line(sc("sinks", "--areas", areas, "-o", tmp_path / "." / "areas.csv"))
    assert areas.read_bytes() == before


def test_map_output_equal_to_boundaries_and_lisa_gpkg_equal_to_zones(tmp_path):
    import geopandas as gpd

    from spatial_carbon import datasets

    prov = datasets.boundaries("province").head(6)[["region_code", "region", "geometry"]]
    zones = tmp_path / "zones.gpkg"
    prov.to_file(zones, layer="z")
    table = tmp_path / "t.csv"
    pd.DataFrame({"region_code": prov["region_code"], "year": 2019,
                  "v": [1.0, 2, 3, 4, 5, 6]}).to_csv(table, index=False)
    before = zones.read_bytes()
    msg = one_error_line(sc("map", table, "--column", "v", "--boundaries", zones, "-o", zones))
    assert "also an input" in msg
    msg = one_error_line(sc("lisa", table, "--column", "v", "--zones", zones, "--permutations",
                            "9", "-o", tmp_path / "l.csv", "--gpkg", zones))
    assert "also an input" in msg and "zones.gpkg" in msg
    assert zones.read_bytes() == before
    assert not (tmp_path / "l.csv").exists()
    assert gpd.read_file(zones).shape[0] == 6


def test_two_outputs_naming_one_file_are_refused(tmp_path, areas):
    msg = one_error_line(sc("breaks", "-i", areas, "-c", "area_hm2", "-k", "2", "-o",
                            tmp_path / "x.csv", "-b", tmp_path / "x.csv"))
    assert "same file" in msg


def test_outputs_stand_or_fall_together(tmp_path):
    """io-shift writes four tables; when the third cannot be written, the first
    two are removed again and an existing file is restored."""
    from spatial_carbon._io import transaction, write_csv

    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c"
    b.write_text("previous")
    c.mkdir()  # writing c fails: it is a folder
    df = pd.DataFrame({"x": [1]})
    with pytest.raises(OutputError, match="is a folder"):
        with transaction():
            write_csv(df, a)
            write_csv(df, b)
            write_csv(df, c)
    assert not a.exists() and b.read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.csv", "c"]


# ------------------------------------------------- disk full, read-only (simulated)
def test_enospc_in_every_writer_is_an_output_error(tmp_path, monkeypatch):
    """An errno-raising file system: each writer reports one OutputError naming
    the file, and leaves no temporary or partial file."""
    import geopandas as gpd
    from shapely.geometry import Point

    from spatial_carbon import styles
    from spatial_carbon.maps import save_figure

    real_replace = os.replace

    def full(src, dst, *a, **k):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))

    monkeypatch.setattr(os, "replace", full)
    df = pd.DataFrame({"x": [1.0]})
    cases = {
        "t.csv": lambda p: _io.write_csv(df, p),
        "t.txt": lambda p: _io.write_text("x", p),
        "t.gpkg": lambda p: _io.write_gpkg(gpd.GeoDataFrame(df, geometry=[Point(0, 0)],
                                                             crs=4326), p, "l"),
        "t.qml": lambda p: styles.write_qml(styles.zones_qml("zone"), p),
    }
    import matplotlib.figure

    cases["t.png"] = lambda p: save_figure(matplotlib.figure.Figure(), p)
    for name, write in cases.items():
        with pytest.raises(OutputError, match=rf"cannot write .*{name}.*ENOSPC.*free some space"):
            write(tmp_path / name)
    monkeypatch.setattr(os, "replace", real_replace)
    assert list(tmp_path.iterdir()) == []


def test_gdal_disk_full_is_an_output_error():
    class DataSourceError(RuntimeError):
        __module__ = "pyogrio.errors"

    err = _io.gdal_error(DataSourceError("sqlite3_exec failed: No space left on device"), "x.gpkg")
    assert "x.gpkg" in str(err) and "ENOSPC" in str(err)


def _unshare_ok() -> bool:
    if not shutil.which("unshare") or not shutil.which("mount"):
        return False
    r = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                        "mount -t tmpfs -o size=64k tmpfs /mnt 2>/dev/null || "
                        "mount -t tmpfs -o size=64k tmpfs /tmp"], capture_output=True)
    return r.returncode == 0


UNSHARE = pytest.mark.skipif(not _unshare_ok(), reason="user namespaces (unshare) unavailable")


def _in_small_fs(tmp_path: Path, args: list, *, size="256k", readonly=False, full=False):
    """Run the CLI with ``tmp_path/fs`` a tiny (or read-only, or full) tmpfs;
    ``ls -A fs`` (without the filler file) is printed to stderr at the end."""
    fs = tmp_path / "fs"
    fs.mkdir()
    remount = f" && mount -o remount,ro {fs}" if readonly else ""
    if full:
        remount += f" && (dd if=/dev/zero of={fs}/.fill bs=1k 2>/dev/null; true)"
    cmd = " ".join(f"'{a}'" for a in [sys.executable, "-m", "spatial_carbon", *map(str, args)])
    script = f"mount -t tmpfs -o size={size} tmpfs {fs}{remount} && cd {tmp_path} && {cmd}; " \
             f"rc=$?; ls -A {fs} | grep -v '^.fill$' >&2; exit $rc"
    return subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script],
                          env=ENV, capture_output=True, text=True, timeout=600)


@UNSHARE
def test_disk_full_in_the_demo_is_one_line_and_leaves_nothing(tmp_path):
    r = _in_small_fs(tmp_path, ["demo", "--out", tmp_path / "fs" / "out", "--no-maps"])
    lines = [x for x in r.stderr.splitlines() if x.startswith("Error")]
    assert r.returncode == 2 and len(lines) == 1, r.stderr[-2000:]
    assert "No space left on device (ENOSPC)" in lines[0] and "Traceback" not in r.stderr
    # `ls -A fs` printed nothing after the error: no output, no temporary folder
    assert r.stderr.strip().splitlines()[-1] == lines[0]


@UNSHARE
@pytest.mark.parametrize("args", [
    ["sinks", "--areas", "areas.csv", "-o", "fs/cs.csv"],
    ["demo", "--out", "fs/out", "--no-maps"],
    ["demo", "--write-config", "fs/study.toml"],
])
def test_read_only_file_system_is_one_line(tmp_path, args):
    (tmp_path / "areas.csv").write_text(AREAS)
    r = _in_small_fs(tmp_path, args, readonly=True)
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert r.returncode == 2 and lines[-1].startswith("Error:") and len(lines) == 1, r.stderr
    assert "Read-only file system (EROFS)" in lines[0] and "writable folder" in lines[0]


@UNSHARE
def test_disk_full_in_landcover(tmp_path):
    from _small import small_landcover

    raster, zones = small_landcover(tmp_path)
    r = _in_small_fs(tmp_path, ["landcover", raster, "--zones", zones, "--zone-field", "name",
                                "--legend", "clcd", "--year", "2019", "--quiet",
                                "-o", "fs/areas.csv"], full=True)
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert r.returncode == 2 and len(lines) == 1, r.stderr
    assert "fs/areas.csv" in lines[0] and "ENOSPC" in lines[0]


# ------------------------------------------------------------------ interruptions
def _wait_for(pred, timeout):
    t = time.time()
    while time.time() - t < timeout:
        if pred():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_interrupting_the_demo_while_it_writes_leaves_nothing(tmp_path, sig):
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "spatial_carbon", "demo", "--out", str(out)],
                            env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert _wait_for(lambda: any(p.name.startswith(".out.") for p in tmp_path.iterdir()
                                     if (p / "tables").exists()), 240), "never started writing"
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 128 + sig, err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == [], list(tmp_path.iterdir())


def test_sigterm_in_the_qgis_worker_study_leaves_nothing(tmp_path):
    """The cancel path of the QGIS plugin: SIGTERM while the study is written."""
    job = {"step": "study", "inputs": {}, "params": {"maps": True, "report": True},
           "outputs": {"OUTPUT_FOLDER": str(tmp_path / "study")}}
    (tmp_path / "job.json").write_text(json.dumps(job))
    proc = subprocess.Popen([sys.executable, "-m", "spatial_carbon.qgis_worker",
                             str(tmp_path / "job.json")], env=ENV, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        assert _wait_for(lambda: any(p.name.startswith(".study.") for p in tmp_path.iterdir()),
                         240)
        time.sleep(1.0)  # well inside the writing
        os.killpg(proc.pid, signal.SIGTERM)
        proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM
    assert sorted(p.name for p in tmp_path.iterdir()) == ["job.json"]


def test_signal_handler_is_only_installed_over_defaults():
    def mine(signum, frame):
        pass

    old = signal.signal(signal.SIGTERM, mine)
    try:
        with _io.cleanup_on_signals():
            assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        signal.signal(signal.SIGTERM, old)
    with _io.cleanup_on_signals():
        assert signal.getsignal(signal.SIGTERM) is _io._on_signal
    assert signal.getsignal(signal.SIGTERM) == old


def test_gpkg_bytes_do_not_depend_on_the_clock(tmp_path, monkeypatch):
    import geopandas as gpd
    from shapely.geometry import Point

    from spatial_carbon import styles

    g = gpd.GeoDataFrame({"zone": ["I"]}, geometry=[Point(1, 2)], crs=4326)
    digests = []
    for i in range(2):
        p = tmp_path / f"{i}.gpkg"
        _io.write_gpkg(g, p, "z")
        styles.save_to_gpkg(p, "z", {"zone": styles.zones_qml("zone")})
        digests.append(hashlib.sha256(p.read_bytes()).hexdigest())
        time.sleep(1.1)
    assert digests[0] == digests[1]
    import sqlite3

    with sqlite3.connect(tmp_path / "0.gpkg") as con:
        dates = {r[0] for r in con.execute("select last_change from gpkg_contents")}
    assert dates == {_io.GPKG_DATE}
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1577836800")
    assert _io.gpkg_date() == "2020-01-01T00:00:00.000Z"
