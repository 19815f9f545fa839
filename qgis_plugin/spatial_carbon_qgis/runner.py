"""Run spatial_carbon out of process and map its errors to Processing errors.

The plugin never imports spatial_carbon (or numpy/pandas/geopandas/rasterio)
into QGIS: pip wheels of rasterio/pyogrio carry their own GDAL, and inside a
QGIS process their calls bind to QGIS's GDAL instead (see docs/qgis.md and
``spatial_carbon/qgis_worker.py``).  Each tool writes a job file and runs::

    <python> -m spatial_carbon.qgis_worker JOB.json

where ``<python>`` is, in this order: the Processing setting
``SPATIAL_CARBON_PYTHON`` (Processing > Options > Providers > spatial_carbon),
the environment variable ``SPATIAL_CARBON_PYTHON``, or the default venv
(``~/.local/share/spatial_carbon/venv`` on Linux/macOS,
``%APPDATA%\\spatial_carbon\\venv`` on Windows).

This module is the ONE place where spatial_carbon's typed errors become
``QgsProcessingException``.
"""

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid

from qgis.core import QgsProcessingException, QgsProcessingUtils

SETTING_PYTHON = "SPATIAL_CARBON_PYTHON"
ENV_PYTHON = "SPATIAL_CARBON_PYTHON"
#: Environment variables QGIS sets for its own GDAL/PROJ/Python; they would
#: point the worker's wheels at QGIS's data files (proj.db of another PROJ
#: version) or at QGIS's Python packages, so the worker runs without them.
_SCRUB_ENV = (
    "PYTHONHOME", "PYTHONPATH", "PYTHONSTARTUP", "PROJ_LIB", "PROJ_DATA", "GDAL_DATA",
    "GDAL_DRIVER_PATH", "GDAL_PLUGINS_PATH", "LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH",
    "DYLD_FALLBACK_LIBRARY_PATH", "QGIS_PREFIX_PATH", "SSL_CERT_FILE",
)
_CHECK_TIMEOUT_S = 90
_CANCEL_GRACE_S = 2
_OK_CACHE = {}  # python path -> (mtime, report): a working interpreter is checked once
_FAIL_CACHE = {}  # python path -> (time, message): failures are re-checked after 15 s
_FAIL_TTL_S = 15


# ---------------------------------------------------------------- settings
def add_settings(provider):
    """Register the interpreter setting in Processing > Options > Providers."""
    try:
        from processing.core.ProcessingConfig import ProcessingConfig, Setting
    except ImportError:  # pragma: no cover - Processing plugin absent
        return
    ProcessingConfig.settingIcons[provider.name()] = provider.icon()
    ProcessingConfig.addSetting(Setting(
        provider.name(), SETTING_PYTHON,
        "Python interpreter with spatial_carbon installed (empty: "
        + default_python() + ")", "", valuetype=Setting.FILE,
    ))
    ProcessingConfig.readSettings()


def remove_settings():
    try:
        from processing.core.ProcessingConfig import ProcessingConfig
    except ImportError:  # pragma: no cover
        return
    ProcessingConfig.removeSetting(SETTING_PYTHON)


def default_venv():
    if sys.platform == "win32":
        base = os.environ.get("APPDATA") or os.path.expanduser("~")
        return os.path.join(base, "spatial_carbon", "venv")
    return os.path.join(os.path.expanduser("~"), ".local", "share", "spatial_carbon", "venv")


def default_python():
    if sys.platform == "win32":
        return os.path.join(default_venv(), "Scripts", "python.exe")
    return os.path.join(default_venv(), "bin", "python")


def worker_python():
    """The interpreter that runs spatial_carbon, and where it was configured."""
    value = ""
    try:
        from processing.core.ProcessingConfig import ProcessingConfig

        value = ProcessingConfig.getSetting(SETTING_PYTHON) or ""
    except Exception:  # noqa: BLE001 - setting not registered (tests, qgis_process)
        value = ""
    if str(value).strip():
        return str(value).strip(), "the Processing setting " + SETTING_PYTHON
    if os.environ.get(ENV_PYTHON, "").strip():
        return os.environ[ENV_PYTHON].strip(), "the environment variable " + ENV_PYTHON
    return default_python(), "the default location"


def install_instructions(python=None):
    """Exactly what to run to get a working worker interpreter."""
    venv = default_venv()
    if sys.platform == "win32":
        py = os.path.join(venv, "Scripts", "python.exe")
        create = 'py -3 -m venv "%s"' % venv
    else:
        py = os.path.join(venv, "bin", "python")
        create = 'python3 -m venv "%s"' % venv
    lines = [
        "Install spatial_carbon into its own Python (not QGIS's: pip wheels of rasterio and "
        "pyogrio bring a second GDAL that clashes with QGIS's). Run in a terminal:",
        "  " + create,
        '  "%s" -m pip install "spatial_carbon[all]"' % py,
        "(or pip install the path of a spatial_carbon source checkout or wheel). "
        "Then restart QGIS, or set another interpreter in Processing > Options > "
        "Providers > spatial_carbon > " + SETTING_PYTHON + ". See docs/qgis.md.",
    ]
    if python and os.path.normcase(python) != os.path.normcase(py):
        lines.insert(1, '  (or, for the configured interpreter: "%s" -m pip install '
                        '"spatial_carbon[all]")' % python)
    return "\n".join(lines)


# ---------------------------------------------------------------- subprocess
def _env():
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB_ENV}
    env["PYTHONIOENCODING"] = "utf-8"
    env["PYTHONUNBUFFERED"] = "1"
    env.setdefault("MPLBACKEND", "Agg")
    return env


def _popen(args):
    kwargs = {}
    if sys.platform == "win32":
        kwargs["creationflags"] = 0x08000000  # CREATE_NO_WINDOW
    else:
        kwargs["start_new_session"] = True  # so a cancel can stop its children too
    return subprocess.Popen(
        args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=_env(), cwd=_neutral_cwd(), **kwargs,
    )


def _neutral_cwd():
    """Run the worker outside QGIS's working folder: ``python -m`` puts the
    working folder first on sys.path, and a spatial_carbon source tree there
    would shadow the installed one."""
    return QgsProcessingUtils.tempFolder()


def _terminate(proc):
    """Stop the worker and the processes it started (own process group on POSIX)."""
    try:
        if sys.platform != "win32":
            os.killpg(proc.pid, signal.SIGTERM)
        else:
            proc.terminate()
        proc.wait(5)
    except (OSError, subprocess.TimeoutExpired):
        try:
            if sys.platform != "win32":
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.kill()
        except OSError:
            pass
        proc.wait()


def _reader(stream, q, tag):
    try:
        for raw in iter(stream.readline, b""):
            q.put((tag, raw.decode("utf-8", "replace").rstrip("\r\n")))
    except (OSError, ValueError):  # stream closed after a cancel
        pass
    q.put((tag, None))


def check_worker(force=False):
    """``(True, report)`` if the worker imports spatial_carbon and its deps.

    Otherwise ``(False, message)`` with the commands to run.
    """
    python, how = worker_python()
    if not os.path.isfile(python):
        return False, ("spatial_carbon: no Python interpreter at %s (from %s).\n%s"
                       % (python, how, install_instructions(python)))
    try:
        mtime = os.path.getmtime(python)
    except OSError:
        mtime = None
    cached = _OK_CACHE.get(python)
    if cached and cached[0] == mtime and not force:
        return True, cached[1]
    failed = _FAIL_CACHE.get(python)
    if failed and time.monotonic() - failed[0] < _FAIL_TTL_S and not force:
        return False, failed[1]
    ok, result = _check(python, how)
    if ok:
        _OK_CACHE[python] = (mtime, result)
        _FAIL_CACHE.pop(python, None)
    else:
        _FAIL_CACHE[python] = (time.monotonic(), result)
    return ok, result


def _check(python, how):
    try:
        proc = subprocess.run(
            [python, "-m", "spatial_carbon.qgis_worker", "check"], stdin=subprocess.DEVNULL,
            capture_output=True, env=_env(), cwd=_neutral_cwd(), timeout=_CHECK_TIMEOUT_S,
            **({"creationflags": 0x08000000} if sys.platform == "win32" else {}),
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, "spatial_carbon: cannot run %s (from %s): %s\n%s" % (
            python, how, exc, install_instructions(python))
    out = proc.stdout.decode("utf-8", "replace")
    report = None
    for line in out.splitlines():
        if line.startswith("@@result "):
            report = json.loads(line[len("@@result "):])
    if proc.returncode != 0 or report is None:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        return False, "spatial_carbon is not importable by %s (from %s): %s\n%s" % (
            python, how, err[-1] if err else "exit status %d" % proc.returncode,
            install_instructions(python))
    if report.get("missing"):
        return False, (
            "spatial_carbon %s in %s lacks: %s. Run:\n  \"%s\" -m pip install %s"
            % (report.get("spatial_carbon"), python, ", ".join(report["missing"]), python,
               " ".join(report["missing"])))
    return True, report


def run_step(step, inputs, params, outputs, feedback):
    """Run one worker step; stream progress/log to ``feedback``; return outputs.

    Raises
    ------
    QgsProcessingException
        With spatial_carbon's own message for a typed error (bad input), a
        short message for a crash (traceback in the log), or on cancel.
    """
    ok, report = check_worker()
    if not ok:
        raise QgsProcessingException(report)
    python = worker_python()[0]
    tag = uuid.uuid4().hex
    job_path = os.path.join(QgsProcessingUtils.tempFolder(), "spatial_carbon_job_%s.json" % tag)
    # Cancel: the land-cover step polls this file between raster windows and stops
    # cleanly; after a short grace the worker's process group gets SIGTERM (the
    # worker then unwinds, removing temporary files), and SIGKILL if that fails.
    cancel_file = os.path.join(QgsProcessingUtils.tempFolder(), "spatial_carbon_cancel_%s" % tag)
    params = dict(params, _cancel_file=cancel_file)
    job = {"step": step, "inputs": inputs, "params": params, "outputs": outputs}
    with open(job_path, "w", encoding="utf-8") as f:
        json.dump(job, f, ensure_ascii=False, indent=1)
    if feedback is not None:
        feedback.pushDebugInfo("spatial_carbon %s (%s): %s -m spatial_carbon.qgis_worker %s"
                               % (report.get("spatial_carbon"), step, python, job_path))
    proc = _popen([python, "-m", "spatial_carbon.qgis_worker", job_path])
    q = queue.Queue()
    threads = [threading.Thread(target=_reader, args=(s, q, t), daemon=True)
               for s, t in ((proc.stdout, "out"), (proc.stderr, "err"))]
    for t in threads:
        t.start()
    result, error, stderr, open_streams = None, None, [], 2
    while open_streams:
        if feedback is not None and feedback.isCanceled():
            with open(cancel_file, "w"):
                pass
            try:
                proc.wait(_CANCEL_GRACE_S)
            except subprocess.TimeoutExpired:
                _terminate(proc)
            proc.stdout.close()
            proc.stderr.close()
            for p in (job_path, cancel_file):
                try:
                    os.unlink(p)
                except OSError:
                    pass
            raise QgsProcessingException("spatial_carbon: canceled by the user")
        try:
            tag, line = q.get(timeout=0.1)
        except queue.Empty:
            continue
        if line is None:
            open_streams -= 1
            continue
        if tag == "err":
            stderr.append(line)
            continue
        kind, _, payload = line.partition(" ")
        if feedback is None:
            pass
        elif kind == "@@progress":
            try:
                feedback.setProgress(float(payload))
            except ValueError:
                pass
        elif kind == "@@info":
            feedback.pushInfo(payload)
        elif kind == "@@warning":
            feedback.pushWarning(payload) if hasattr(feedback, "pushWarning") \
                else feedback.pushInfo("Warning: " + payload)
        if kind == "@@result":
            result = json.loads(payload)
        elif kind == "@@error":
            error = json.loads(payload)
        elif not kind.startswith("@@") and feedback is not None:
            feedback.pushConsoleInfo(line)
    rc = proc.wait()
    proc.stdout.close()
    proc.stderr.close()
    for p in (job_path, cancel_file):
        try:
            os.unlink(p)
        except OSError:
            pass
    if error is not None:
        # A user's mistake: spatial_carbon's message says what and how to fix.
        raise QgsProcessingException("%s: %s" % (error.get("type", "Error"), error.get("message")))
    if rc != 0 or result is None:
        if feedback is not None:
            for line in stderr:
                feedback.pushDebugInfo(line)
        last = next((s for s in reversed(stderr) if s.strip()), "exit status %d" % rc)
        raise QgsProcessingException(
            "spatial_carbon failed unexpectedly (a bug; please report it with the log): " + last)
    return result
