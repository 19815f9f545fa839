"""Find, check and create the Python that runs spatial_carbon (standard library only).

The plugin runs spatial_carbon in a separate interpreter (see ``runner``).
This module holds everything about that interpreter that does not need QGIS,
so ``tests/test_qgis_worker_env.py`` tests it with fake file systems and fake
interpreters for the Windows (OSGeo4W, py launcher), macOS (QGIS.app,
Homebrew, python.org) and Linux layouts:

* :func:`default_venv` / :func:`venv_python` -- where the worker venv lives;
* :func:`qgis_python_candidates` -- the Python QGIS embeds, as an executable;
* :func:`other_python_candidates` -- Pythons found on the machine;
* :data:`PROBE` and :func:`probe` -- one short subprocess telling the version,
  whether it is a venv, PEP 668 status and what spatial_carbon needs;
* :func:`judge` -- whether a probed interpreter can run the worker, and
  what to say if not (never a ``pip install`` that PEP 668 blocks);
* :func:`choose_base` -- the interpreter a new venv is made from;
* :func:`venv_command` / :func:`pip_command` -- the commands ``setup_worker``
  runs.

Nothing here imports QGIS, numpy or spatial_carbon.
"""

import json
import os
import re
import subprocess
import sys

#: spatial_carbon's ``requires-python`` (pyproject.toml).
MIN_PYTHON = (3, 10)
#: Name of the tool that creates the worker environment.
SETUP_ALG = "spatial_carbon:setup_worker"
SETUP_NAME = "Set up the spatial_carbon worker"
#: File written into a venv made by setup_worker: the plugin only ever
#: replaces a folder that carries it (never a user's own folder).
MARKER = "spatial_carbon-worker.json"
#: Environment variables QGIS sets for its own GDAL/PROJ/Python; they would
#: point the worker's wheels at QGIS's data files (proj.db of another PROJ
#: version) or at QGIS's Python packages, so the worker runs without them.
SCRUB_ENV = (
    "PYTHONHOME", "PYTHONPATH", "PYTHONSTARTUP", "PYTHONEXECUTABLE", "__PYVENV_LAUNCHER__",
    "PROJ_LIB", "PROJ_DATA", "GDAL_DATA", "GDAL_DRIVER_PATH", "GDAL_PLUGINS_PATH",
    "LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH", "DYLD_FALLBACK_LIBRARY_PATH", "QGIS_PREFIX_PATH",
    "SSL_CERT_FILE", "VIRTUAL_ENV",
)
_NO_WINDOW = 0x08000000  # CREATE_NO_WINDOW (Windows)

#: Run as ``python -I -c PROBE``: works on any Python 3 (a too old one must
#: still say its version), prints one JSON line.  With spatial_carbon
#: importable it adds ``qgis_worker.check(quick=True)``: module presence and
#: versions from metadata, without importing numpy & co (a few ms instead of
#: seconds, so no tool dialog waits for it).
PROBE = r"""
import json, os, sys, sysconfig
r = {"python": "%d.%d.%d" % tuple(sys.version_info[:3]), "executable": sys.executable,
     "prefix": sys.prefix, "base_prefix": getattr(sys, "base_prefix", sys.prefix)}
r["venv"] = r["prefix"] != r["base_prefix"]
try:  # PEP 668: the marker does not apply inside a venv
    r["externally_managed"] = (not r["venv"]) and os.path.isfile(
        os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED"))
except Exception:
    r["externally_managed"] = False
try:
    import importlib.util as u
    r["can_venv"] = bool(u.find_spec("venv") and u.find_spec("ensurepip"))
    r["has_pip"] = bool(u.find_spec("pip"))
except Exception:
    r["can_venv"] = r["has_pip"] = False
if sys.version_info >= (3, 10):
    try:  # (runs in the worker's interpreter, never in QGIS)
        import importlib
        qgis_worker = importlib.import_module("spatial_carbon.qgis_worker")
    except Exception as e:
        r["import_error"] = "%s: %s" % (type(e).__name__, e)
    else:
        try:
            r.update(qgis_worker.check(quick=True))
        except Exception as e:  # a spatial_carbon older than the plugin
            r["import_error"] = "spatial_carbon at %s is older than the plugin (%s: %s)" % (
                os.path.dirname(qgis_worker.__file__), type(e).__name__, e)
print("@@probe " + json.dumps(r))
"""


# ----------------------------------------------------------------- locations
def default_venv(platform=None, environ=None, home=None):
    """Folder of the worker venv ``setup_worker`` creates by default.

    ``%APPDATA%\\spatial_carbon\\venv`` on Windows,
    ``~/.local/share/spatial_carbon/venv`` elsewhere.
    """
    platform = sys.platform if platform is None else platform
    environ = os.environ if environ is None else environ
    home = os.path.expanduser("~") if home is None else home
    if platform == "win32":
        base = environ.get("APPDATA") or home
        return _join(platform, base, "spatial_carbon", "venv")
    return _join(platform, home, ".local", "share", "spatial_carbon", "venv")


def venv_python(venv, platform=None):
    """The interpreter of a venv folder."""
    platform = sys.platform if platform is None else platform
    if platform == "win32":
        return _join(platform, venv, "Scripts", "python.exe")
    return _join(platform, venv, "bin", "python")


def _join(platform, *parts):
    sep = "\\" if platform == "win32" else "/"
    out = parts[0].rstrip("\\/") if len(parts[0]) > 1 else parts[0]
    for p in parts[1:]:
        out = out + sep + p.strip("\\/")
    return out


def qgis_python_candidates(platform=None, prefix=None, executable=None, version=None):
    """Executables of the Python QGIS embeds, best first.

    Inside QGIS ``sys.executable`` is often QGIS itself (``qgis-bin.exe``,
    ``QGIS.app/Contents/MacOS/QGIS``), so the interpreter is looked up from
    ``sys.prefix``:

    * Windows (OSGeo4W and the standalone installer): ``<prefix>\\python.exe``
      (``C:\\OSGeo4W\\apps\\Python312\\python.exe``);
    * macOS (QGIS.app): ``<prefix>/bin/python3.X`` inside the bundle's
      Python.framework, and ``QGIS.app/Contents/MacOS/bin/python3``;
    * Linux: ``<prefix>/bin/python3.X`` (Debian: ``/usr/bin/python3.11``).
    """
    platform = sys.platform if platform is None else platform
    prefix = sys.prefix if prefix is None else prefix
    executable = sys.executable if executable is None else executable
    version = sys.version_info[:2] if version is None else tuple(version)[:2]
    out = []
    base = os.path.basename(executable.replace("\\", "/")).lower() if executable else ""
    if base.startswith("python"):
        out.append(executable)
    if platform == "win32":
        out += [_join(platform, prefix, "python.exe"), _join(platform, prefix, "python3.exe")]
    else:
        out += [_join(platform, prefix, "bin", "python%d.%d" % version),
                _join(platform, prefix, "bin", "python3")]
        if platform == "darwin" and executable and "/Contents/" in executable:
            contents = executable[:executable.index("/Contents/") + len("/Contents")]
            out.append(_join(platform, contents, "MacOS", "bin", "python3"))
    return _unique(out, platform)


def _unique(paths, platform):
    seen, out = set(), []
    for p in paths:
        key = p.lower() if platform == "win32" else p
        if p and key not in seen:
            seen.add(key)
            out.append(p)
    return out


#: Minor versions looked for by name (newest first).
_MINORS = range(14, MIN_PYTHON[1] - 1, -1)


def parse_py_launcher(text):
    """Interpreters listed by ``py -0p`` (Windows launcher), newest first.

    Both formats: `` -V:3.12 *   C:\\...\\python.exe`` (launcher of Python
    3.11+) and `` -3.9-64      C:\\...\\python.exe`` (older).
    """
    found = []
    for line in text.splitlines():
        m = re.match(r"\s*-(?:V:)?(\d+)\.(\d+)\S*\s+(?:\*\s+)?(.+?\.exe)\s*$", line, re.I)
        if m:
            found.append(((int(m.group(1)), int(m.group(2))), m.group(3).strip()))
    found.sort(key=lambda t: t[0], reverse=True)
    return [p for _, p in found]


def other_python_candidates(platform=None, environ=None, which=None, isfile=None,
                            py_launcher=None, home=None):
    """Pythons on this machine other than QGIS's, best first.

    Parameters
    ----------
    which : callable, optional
        ``shutil.which``-like lookup on PATH (tests pass a fake).
    isfile : callable, optional
        ``os.path.isfile``-like test for fixed locations.
    py_launcher : callable, optional
        Returns the text of ``py -0p`` (Windows), or "" when there is no launcher.
    """
    import shutil

    platform = sys.platform if platform is None else platform
    environ = os.environ if environ is None else environ
    which = shutil.which if which is None else which
    isfile = os.path.isfile if isfile is None else isfile
    home = os.path.expanduser("~") if home is None else home
    out = []
    if platform == "win32":
        text = (py_launcher or _py_launcher)()
        out += parse_py_launcher(text)
        local = environ.get("LOCALAPPDATA") or _join(platform, home, "AppData", "Local")
        for minor in _MINORS:
            out.append(_join(platform, local, "Programs", "Python", "Python3%d" % minor,
                             "python.exe"))
        for name in ("python3", "python"):
            out.append(which(name) or "")
    else:
        for minor in _MINORS:
            out.append(which("python3.%d" % minor) or "")
        if platform == "darwin":
            for minor in _MINORS:
                out += ["/opt/homebrew/bin/python3.%d" % minor,  # Homebrew, Apple silicon
                        "/usr/local/bin/python3.%d" % minor,  # Homebrew, Intel
                        "/Library/Frameworks/Python.framework/Versions/3.%d/bin/python3" % minor]
        out.append(which("python3") or "")
    return [p for p in _unique(out, platform) if p and isfile(p)]


def _py_launcher():
    try:
        r = subprocess.run(["py", "-0p"], capture_output=True, timeout=30,
                           creationflags=_NO_WINDOW if sys.platform == "win32" else 0)
    except (OSError, subprocess.SubprocessError):
        return ""
    return r.stdout.decode("utf-8", "replace") if r.returncode == 0 else ""


# ---------------------------------------------------------------- probing
def clean_env(environ=None):
    """The environment of the worker and of pip: QGIS's own variables removed."""
    environ = os.environ if environ is None else environ
    env = {k: v for k, v in environ.items() if k not in SCRUB_ENV}
    env["PYTHONIOENCODING"] = "utf-8"
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONNOUSERSITE"] = "1"
    env.setdefault("MPLBACKEND", "Agg")
    return env


def probe(python, run=None, cwd=None, timeout=60):
    """Probe ``python`` (:data:`PROBE`): a dict, or ``{"error": ...}``.

    ``run(args, cwd) -> (returncode, stdout, stderr)``; default a subprocess
    in the cleaned environment (tests pass a fake).
    """
    run = _run if run is None else run
    try:
        rc, out, err = run([python, "-I", "-c", PROBE], cwd)
    except (OSError, subprocess.SubprocessError) as exc:
        return {"error": "cannot run %s: %s" % (python, exc)}
    for line in out.splitlines():
        if line.startswith("@@probe "):
            try:
                return json.loads(line[len("@@probe "):])
            except ValueError:
                break
    last = [s for s in err.splitlines() if s.strip()]
    return {"error": "%s did not answer (%s)" % (
        python, last[-1] if last else "exit status %s" % rc)}


def _run(args, cwd=None, timeout=60):
    r = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, env=clean_env(),
                       cwd=cwd, timeout=timeout,
                       creationflags=_NO_WINDOW if sys.platform == "win32" else 0)
    return (r.returncode, r.stdout.decode("utf-8", "replace"),
            r.stderr.decode("utf-8", "replace"))


def version_tuple(text):
    try:
        return tuple(int(x) for x in str(text).split(".")[:3])
    except ValueError:
        return (0,)


def is_qgis_python(info, qgis_prefix):
    """True if ``info`` (a probe) is QGIS's own interpreter itself, not a venv of it."""
    if not qgis_prefix or info.get("venv"):
        return False
    norm = os.path.normcase
    return norm(os.path.realpath(info.get("prefix", ""))) == norm(os.path.realpath(qgis_prefix))


def setup_hint():
    """What to do about a missing or unusable worker: the setup tool."""
    return ("Run the tool '%s' (Processing Toolbox > spatial_carbon > 0 - Set up, or "
            "Plugins > spatial_carbon), which creates a separate Python environment and "
            "stores it in Processing > Options > Providers > spatial_carbon." % SETUP_NAME)


def judge(python, how, info, qgis_prefix=None, wheel_hint=None):
    """``(True, "")`` if the probed interpreter can run the worker, else
    ``(False, message)``: what is wrong and what to do.

    The fix offered is always :data:`SETUP_NAME` (``setup_worker``), which
    makes a venv.  A ``pip install`` is suggested only into a venv or an
    interpreter that allows it: never into one PEP 668 marks as externally
    managed (Debian's ``/usr/bin/python3``, Homebrew's Pythons), where pip
    refuses.
    """
    fix = setup_hint()
    where = "%s (from %s)" % (python, how)
    if "error" in info:
        return False, "spatial_carbon: %s.\n%s" % (info["error"], fix)
    if version_tuple(info.get("python")) < MIN_PYTHON:
        return False, ("spatial_carbon needs Python >= %d.%d, but %s is Python %s.\n%s"
                       % (MIN_PYTHON + (where, info.get("python"), fix)))
    if is_qgis_python(info, qgis_prefix):
        return False, (
            "%s is QGIS's own Python. spatial_carbon must not be installed there: its pip "
            "wheels (rasterio, pyogrio) bring a second GDAL, which clashes with QGIS's as soon "
            "as anything imports them inside QGIS (docs/qgis.md). A venv made from it is fine, "
            "as it runs as a separate process.\n%s" % (where, fix))
    if info.get("import_error") or info.get("missing"):
        what = (info.get("import_error") if info.get("import_error")
                else "lacks %s" % ", ".join(info["missing"]))
        msg = "spatial_carbon is not usable by %s: %s.\n%s" % (where, what, fix)
        if info.get("venv") or not info.get("externally_managed"):
            target = wheel_hint or "spatial_carbon"
            pkgs = ('"%s"' % target) if info.get("import_error") else " ".join(info["missing"])
            msg += '\nOr, in a terminal: "%s" -m pip install %s' % (python, pkgs)
        else:
            msg += ("\n(%s is managed by the operating system (PEP 668): pip refuses to "
                    "install into it; the tool above makes a venv instead.)" % python)
        return False, msg
    return True, ""


def choose_base(candidates, probe_fn):
    """The first candidate that can make the worker venv.

    Returns
    -------
    (python or None, info or None, reasons)
        ``reasons``: one line per rejected candidate (too old, no venv module).
    """
    reasons = []
    for py in candidates:
        info = probe_fn(py)
        if "error" in info:
            reasons.append(info["error"])
            continue
        if version_tuple(info.get("python")) < MIN_PYTHON:
            reasons.append("%s is Python %s, older than %d.%d" % ((py, info.get("python"))
                                                                   + MIN_PYTHON))
            continue
        if not info.get("can_venv"):
            reasons.append("%s has no venv/ensurepip module (Debian/Ubuntu: apt-get install "
                           "python3-venv)" % py)
            continue
        return py, info, reasons
    return None, None, reasons


# ------------------------------------------------------------- commands
def venv_command(base_python, venv):
    """Create ``venv`` from ``base_python`` (no system site-packages: the
    worker's wheels must not mix with the base's numpy/GDAL bindings)."""
    return [base_python, "-I", "-m", "venv", venv]


def pip_command(python, wheel, extras=(), wheels_dir=None, upgrade=False):
    """Install the bundled spatial_carbon ``wheel`` and its dependencies.

    ``wheels_dir``: an offline folder of wheels (``--no-index --find-links``),
    for machines without internet.
    """
    target = wheel + ("[%s]" % ",".join(extras) if extras else "")
    cmd = [python, "-I", "-m", "pip", "install", "--disable-pip-version-check", "--no-input",
           "--progress-bar", "off"]
    if upgrade:
        cmd.append("--upgrade")
    if wheels_dir:
        cmd += ["--no-index", "--find-links", wheels_dir]
    return cmd + [target]


def pip_progress(line, state):
    """Progress 0-100 from pip's output lines (``state``: a dict kept by the caller).

    pip prints ``Collecting X`` per requirement, then ``Installing collected
    packages: ...`` and ``Successfully installed ...``; downloads come between.
    """
    s = line.strip()
    if s.startswith("Collecting ") or s.startswith("Processing "):
        state["n"] = state.get("n", 0) + 1
        expected = max(state.get("expected", 45), state["n"] + 1)
        return 5.0 + 75.0 * state["n"] / expected
    if s.startswith("Installing collected packages"):
        return 85.0
    if s.startswith("Successfully installed"):
        return 99.0
    return None


def folder_size(path):
    """Bytes in the files under ``path`` (links not followed)."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_size
            except OSError:
                pass
    return total
