"""Finding, judging and creating the worker's Python (qgis_plugin/.../worker_env.py).

The module is standard library only (no QGIS), so it is tested here with fake
file systems and fake interpreters for the layouts we cannot run: Windows
(OSGeo4W, the standalone installer, the py launcher, python.org) and macOS
(QGIS.app, Homebrew, python.org).  The Linux (Debian) path runs for real in
tests/test_qgis_desktop.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "qgis_plugin"))
from spatial_carbon_qgis import worker_env as we  # noqa: E402

sys.path.pop(0)

WIN_ENV = {"APPDATA": r"C:\Users\li\AppData\Roaming", "LOCALAPPDATA": r"C:\Users\li\AppData\Local"}


# ------------------------------------------------------------------ locations
def test_default_venv_per_platform():
    assert we.default_venv("win32", WIN_ENV, r"C:\Users\li") == \
        r"C:\Users\li\AppData\Roaming\spatial_carbon\venv"
    assert we.venv_python(r"C:\Users\li\AppData\Roaming\spatial_carbon\venv", "win32") == \
        r"C:\Users\li\AppData\Roaming\spatial_carbon\venv\Scripts\python.exe"
    assert we.default_venv("darwin", {}, "/Users/li") == \
        "/Users/li/.local/share/spatial_carbon/venv"
    assert we.venv_python("/Users/li/.local/share/spatial_carbon/venv", "darwin") == \
        "/Users/li/.local/share/spatial_carbon/venv/bin/python"
    assert we.default_venv("linux", {}, "/home/li") == "/home/li/.local/share/spatial_carbon/venv"
    # no APPDATA: the home folder
    assert we.default_venv("win32", {}, r"C:\Users\li") == r"C:\Users\li\spatial_carbon\venv"


@pytest.mark.parametrize("platform, prefix, executable, version, expected", [
    # OSGeo4W: QGIS is qgis-bin.exe, its Python lives under apps\Python3X
    ("win32", r"C:\OSGeo4W\apps\Python312", r"C:\OSGeo4W\bin\qgis-bin.exe", (3, 12),
     [r"C:\OSGeo4W\apps\Python312\python.exe", r"C:\OSGeo4W\apps\Python312\python3.exe"]),
    # the standalone installer of QGIS 3.22 (Python 3.9)
    ("win32", r"C:\Program Files\QGIS 3.22.16\apps\Python39",
     r"C:\Program Files\QGIS 3.22.16\bin\qgis-bin.exe", (3, 9),
     [r"C:\Program Files\QGIS 3.22.16\apps\Python39\python.exe",
      r"C:\Program Files\QGIS 3.22.16\apps\Python39\python3.exe"]),
    # QGIS.app: the bundled framework's interpreter and Contents/MacOS/bin/python3
    ("darwin", "/Applications/QGIS.app/Contents/Frameworks/Python.framework/Versions/3.11",
     "/Applications/QGIS.app/Contents/MacOS/QGIS", (3, 11),
     ["/Applications/QGIS.app/Contents/Frameworks/Python.framework/Versions/3.11/bin/python3.11",
      "/Applications/QGIS.app/Contents/Frameworks/Python.framework/Versions/3.11/bin/python3",
      "/Applications/QGIS.app/Contents/MacOS/bin/python3"]),
    # Debian: QGIS embeds the system Python, sys.executable is /usr/bin/python3
    ("linux", "/usr", "/usr/bin/python3", (3, 11),
     ["/usr/bin/python3", "/usr/bin/python3.11"]),
])
def test_qgis_python_candidates(platform, prefix, executable, version, expected):
    assert we.qgis_python_candidates(platform, prefix, executable, version) == expected


def test_py_launcher_listing_both_formats():
    new = (" -V:3.12 *        C:\\Users\\li\\AppData\\Local\\Programs\\Python\\Python312\\python.exe\n"
           " -V:3.9           C:\\Python39\\python.exe\n"
           " -V:3.11          C:\\Python311\\python.exe\n")
    assert we.parse_py_launcher(new) == [
        r"C:\Users\li\AppData\Local\Programs\Python\Python312\python.exe",
        r"C:\Python311\python.exe", r"C:\Python39\python.exe"]
    old = (" -3.10-64        C:\\Python310\\python.exe *\n"
           " -3.8-64         C:\\Python38\\python.exe\n")
    assert we.parse_py_launcher(old.replace(" *\n", "\n")) == [r"C:\Python310\python.exe",
                                                              r"C:\Python38\python.exe"]
    assert we.parse_py_launcher("") == []


def test_other_pythons_on_windows():
    files = {r"C:\Python311\python.exe",
             r"C:\Users\li\AppData\Local\Programs\Python\Python312\python.exe",
             r"C:\Windows\py.exe", r"C:\Tools\python.exe"}
    got = we.other_python_candidates(
        "win32", WIN_ENV, which=lambda n: r"C:\Tools\python.exe" if n == "python" else None,
        isfile=files.__contains__, home=r"C:\Users\li",
        py_launcher=lambda: " -V:3.11 *   C:\\Python311\\python.exe\n")
    # the launcher's list first, then python.org's per-user folders, then PATH
    assert got == [r"C:\Python311\python.exe",
                   r"C:\Users\li\AppData\Local\Programs\Python\Python312\python.exe",
                   r"C:\Tools\python.exe"]


def test_other_pythons_on_macos():
    files = {"/opt/homebrew/bin/python3.12", "/usr/local/bin/python3.11",
             "/Library/Frameworks/Python.framework/Versions/3.10/bin/python3",
             "/usr/bin/python3"}
    got = we.other_python_candidates(
        "darwin", {}, which=lambda n: "/usr/bin/python3" if n == "python3" else None,
        isfile=files.__contains__, home="/Users/li")
    # newest first; Apple's /usr/bin/python3 (3.9) last, to be rejected by its version
    assert got == ["/opt/homebrew/bin/python3.12", "/usr/local/bin/python3.11",
                   "/Library/Frameworks/Python.framework/Versions/3.10/bin/python3",
                   "/usr/bin/python3"]


def test_other_pythons_on_linux():
    got = we.other_python_candidates(
        "linux", {}, which={"python3.12": "/usr/local/bin/python3.12",
                            "python3": "/usr/bin/python3"}.get,
        isfile=lambda p: True, home="/home/li")
    assert got == ["/usr/local/bin/python3.12", "/usr/bin/python3"]


# ------------------------------------------------------------------- probing
def _info(version, **kw):
    d = {"python": version, "prefix": "/p", "base_prefix": "/p", "venv": False,
         "externally_managed": False, "can_venv": True, "has_pip": True}
    d.update(kw)
    return d


def test_probe_parses_the_answer_and_reports_a_silent_interpreter():
    answer = _info("3.12.1", spatial_carbon="0.1.0", missing=[])
    got = we.probe("py", run=lambda args, cwd: (0, "noise\n@@probe " + json.dumps(answer), ""))
    assert got == answer
    got = we.probe("py", run=lambda args, cwd: (1, "", "Traceback ...\nSyntaxError: x\n"))
    assert "did not answer" in got["error"] and "SyntaxError" in got["error"]

    def boom(args, cwd):
        raise OSError("[Errno 8] Exec format error")

    assert "Exec format error" in we.probe("py", run=boom)["error"]


def test_probe_runs_isolated():
    seen = []
    we.probe("python", run=lambda args, cwd: seen.append(args) or (0, "", ""))
    assert seen[0][:3] == ["python", "-I", "-c"]  # no PYTHONPATH, no script folder


def test_real_probe_of_this_interpreter():
    got = we.probe(sys.executable)
    assert got["python"] == "%d.%d.%d" % sys.version_info[:3]
    assert got["venv"] == (sys.prefix != sys.base_prefix)
    assert got["can_venv"] is True


def test_quick_check_agrees_with_the_full_check():
    """The quick check (metadata, no imports) names the same missing modules
    and the same module set as the full check that imports everything."""
    from spatial_carbon import qgis_worker

    quick, full = qgis_worker.check(quick=True), qgis_worker.check()
    assert quick["missing"] == full["missing"]
    assert sorted(quick["versions"]) == sorted(full["versions"])
    assert quick["optional_missing"] == full["optional_missing"]
    assert quick["steps"] == full["steps"]


# -------------------------------------------------------------------- judging
def test_judge_accepts_a_complete_worker():
    assert we.judge("/v/bin/python", "setting", _info("3.11.2", venv=True, missing=[],
                                                      spatial_carbon="0.1.0")) == (True, "")


def test_judge_too_old():
    ok, msg = we.judge("/usr/bin/python3", "setting", _info("3.9.6"))
    assert not ok and "needs Python >= 3.10" in msg and "is Python 3.9.6" in msg
    assert we.SETUP_NAME in msg and "pip install" not in msg


def test_judge_refuses_qgis_own_python():
    """QGIS's own interpreter (not a venv of it): wheels installed there are
    importable inside QGIS, where their GDAL clashes."""
    info = _info("3.12.1", prefix=r"C:\OSGeo4W\apps\Python312", spatial_carbon="0.1.0",
                 missing=[])
    ok, msg = we.judge(r"C:\OSGeo4W\apps\Python312\python.exe", "setting", info,
                       qgis_prefix=r"C:\OSGeo4W\apps\Python312")
    assert not ok and "is QGIS's own Python" in msg and "second GDAL" in msg
    # a venv made from it is fine
    info = dict(info, venv=True, prefix=r"C:\Users\li\venv")
    assert we.judge("x", "setting", info, qgis_prefix=r"C:\OSGeo4W\apps\Python312")[0]


def test_judge_never_suggests_pip_where_pep668_blocks_it():
    ok, msg = we.judge("/usr/bin/python3", "the environment variable",
                       _info("3.11.2", externally_managed=True,
                             import_error="ModuleNotFoundError: No module named 'spatial_carbon'"))
    assert not ok and "-m pip install" not in msg and "PEP 668" in msg and we.SETUP_NAME in msg
    # in a venv pip is fine: the bundled wheel is offered
    ok, msg = we.judge("/v/bin/python", "setting", _info(
        "3.11.2", venv=True, import_error="ModuleNotFoundError: No module named 'spatial_carbon'"),
        wheel_hint="/plugins/spatial_carbon_qgis/wheels/spatial_carbon-0.1.0-py3-none-any.whl")
    assert '"/v/bin/python" -m pip install "/plugins/spatial_carbon_qgis/wheels/' in msg
    ok, msg = we.judge("/v/bin/python", "setting", _info("3.11.2", venv=True,
                                                          missing=["rasterio", "esda"]))
    assert msg.endswith('"/v/bin/python" -m pip install rasterio esda')


def test_choose_base_skips_too_old_and_venv_less_pythons():
    infos = {
        r"C:\QGIS\apps\Python39\python.exe": _info("3.9.5"),
        r"C:\Python313\python.exe": _info("3.13.0", can_venv=False),
        r"C:\Python312\python.exe": _info("3.12.4"),
        r"C:\Python311\python.exe": _info("3.11.9"),
    }
    py, info, reasons = we.choose_base(list(infos), infos.__getitem__)
    assert py == r"C:\Python312\python.exe" and info["python"] == "3.12.4"
    assert reasons[0] == r"C:\QGIS\apps\Python39\python.exe is Python 3.9.5, older than 3.10"
    assert "no venv/ensurepip" in reasons[1]
    py, info, reasons = we.choose_base([r"C:\QGIS\apps\Python39\python.exe"], infos.__getitem__)
    assert py is None and len(reasons) == 1


# ------------------------------------------------------------------- commands
def test_venv_and_pip_commands_windows_layout():
    venv = r"C:\Users\li\AppData\Roaming\spatial_carbon\venv"
    assert we.venv_command(r"C:\OSGeo4W\apps\Python312\python.exe", venv) == [
        r"C:\OSGeo4W\apps\Python312\python.exe", "-I", "-m", "venv", venv]
    py = we.venv_python(venv, "win32")
    wheel = r"C:\Users\li\plugins\spatial_carbon_qgis\wheels\spatial_carbon-0.1.0-py3-none-any.whl"
    cmd = we.pip_command(py, wheel, ("io",), r"D:\wheels")
    assert cmd[:4] == [py, "-I", "-m", "pip"] and cmd[4] == "install"
    assert cmd[-4:] == ["--no-index", "--find-links", r"D:\wheels", wheel + "[io]"]
    cmd = we.pip_command(py, wheel, upgrade=True)
    assert "--upgrade" in cmd and "--no-index" not in cmd and cmd[-1] == wheel


def test_venv_and_pip_commands_macos_layout():
    venv = "/Users/li/.local/share/spatial_carbon/venv"
    base = "/opt/homebrew/bin/python3.12"
    assert we.venv_command(base, venv) == [base, "-I", "-m", "venv", venv]
    cmd = we.pip_command(we.venv_python(venv, "darwin"), "/w/spatial_carbon-0.1.0-py3-none-any.whl",
                         ("io", "fast"))
    assert cmd[0] == venv + "/bin/python"
    assert cmd[-1] == "/w/spatial_carbon-0.1.0-py3-none-any.whl[io,fast]"


def test_pip_progress_from_pip_output():
    lines = ["Processing /w/spatial_carbon-0.1.0-py3-none-any.whl",
             "Collecting numpy>=1.24", "  Downloading numpy-2.1.0.whl (16.3 MB)",
             "Collecting pandas>=2.0", "Installing collected packages: numpy, pandas",
             "Successfully installed numpy-2.1.0 pandas-2.2.3"]
    state = {"expected": 3}
    got = [we.pip_progress(line, state) for line in lines]
    values = [g for g in got if g is not None]
    assert got[2] is None  # a download line moves nothing
    assert values == sorted(values) and values[-1] == 99.0 and values[0] > 0


def test_clean_env_drops_qgis_variables():
    env = we.clean_env({"PYTHONHOME": "C:\\OSGeo4W\\apps\\Python312", "GDAL_DATA": "x",
                        "PROJ_LIB": "y", "PATH": "p", "VIRTUAL_ENV": "v"})
    assert "PYTHONHOME" not in env and "GDAL_DATA" not in env and "PROJ_LIB" not in env
    assert "VIRTUAL_ENV" not in env
    assert env["PATH"] == "p" and env["PYTHONNOUSERSITE"] == "1"
