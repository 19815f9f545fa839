"""Run spatial_carbon out of process and map its errors to Processing errors.

The plugin never imports spatial_carbon (or numpy/pandas/geopandas/rasterio)
into QGIS: pip wheels of rasterio/pyogrio carry their own GDAL, and inside a
QGIS process their calls bind to QGIS's GDAL instead (see docs/qgis.md and
``spatial_carbon/qgis_worker.py``).  Each tool writes a job file and runs::

    <python> -I -m spatial_carbon.qgis_worker JOB.json

(``-I``, Python's isolated mode: no module of the working folder, of
``PYTHONPATH`` or of the user site-packages can shadow spatial_carbon or its
dependencies), where ``<python>`` is, in this order: the Processing setting
``SPATIAL_CARBON_PYTHON`` (Processing > Options > Providers > spatial_carbon;
``setup_worker`` stores the venv it makes there), the environment variable
``SPATIAL_CARBON_PYTHON``, or the default venv
(``~/.local/share/spatial_carbon/venv`` on Linux/macOS,
``%APPDATA%\\spatial_carbon\\venv`` on Windows).

The interpreter is checked once per session, in the background from the
moment the provider loads (a quick probe, ``worker_env.PROBE``), so opening
a tool never waits for a subprocess on QGIS's GUI thread.

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

from qgis.core import QgsProcessingException, QgsProcessingUtils, QgsSettings

from . import worker_env
from .names import tr

SETTING_PYTHON = "SPATIAL_CARBON_PYTHON"
SETTING_ACTIVATE = "ACTIVATE_SPATIAL_CARBON"
ENV_PYTHON = "SPATIAL_CARBON_PYTHON"
#: Where Processing stores a provider setting in QgsSettings.
_QSETTINGS_KEY = "Processing/Configuration/"
#: Python's isolated mode for the worker: the working folder, PYTHONPATH and the
#: user site-packages are not on sys.path, so a module planted there (e.g. a
#: numpy.py in the project folder) is never imported.
ISOLATED = ["-I"]
_CANCEL_GRACE_S = 2
_CHECK_WAIT_S = 3  # longest a tool dialog waits for the background check
_FAIL_TTL_S = 15  # a failed check is repeated after this long
_LOCK = threading.Lock()
_CACHE = {}  # python path -> (monotonic time, ok, report or message)
_PENDING = {}  # python path -> thread running its check
#: The ProcessingConfig class our settings were added to (see remove_settings).
_CONFIG = None
#: Set by the plugin when a QGIS window exists: messages then carry a link
#: that opens setup_worker (spatialcarbon:setup_worker, see plugin.py).
GUI = False


# ---------------------------------------------------------------- settings
def add_settings(provider):
    """Register the provider's settings in Processing > Options > Providers:
    *Activate* (as the GDAL, GRASS and SAGA providers have) and the worker
    interpreter."""
    global _CONFIG
    try:
        from processing.core.ProcessingConfig import ProcessingConfig, Setting
    except ImportError:  # pragma: no cover - Processing plugin absent
        return
    _CONFIG = ProcessingConfig
    ProcessingConfig.settingIcons[provider.name()] = provider.icon()
    ProcessingConfig.addSetting(Setting(provider.name(), SETTING_ACTIVATE, tr("Activate"), True))
    ProcessingConfig.addSetting(Setting(
        provider.name(), SETTING_PYTHON,
        tr("Python interpreter with spatial_carbon installed (empty: %s; the tool '%s' "
           "sets it)") % (default_python(), tr(worker_env.SETUP_NAME)),
        "", valuetype=Setting.FILE,
    ))
    ProcessingConfig.readSettings()


def remove_settings():
    """Remove the settings from the ProcessingConfig they were added to.

    At QGIS's exit (and after Install from ZIP puts this plugin after
    Processing in the unload order) the Processing plugin is unloaded first
    and its modules leave ``sys.modules``: importing ProcessingConfig again
    would give a new class without our settings, and its ``removeSetting``
    raised ``KeyError: 'SPATIAL_CARBON_PYTHON'``.  So the class is kept from
    :func:`add_settings`, and removing is idempotent.
    """
    global _CONFIG
    config, _CONFIG = _CONFIG, None
    if config is None:
        return
    for name in (SETTING_ACTIVATE, SETTING_PYTHON):
        config.settings.pop(name, None)


def _setting(name, default=None):
    """A provider setting, read from QgsSettings (where Processing stores it):
    valid with or without the Processing plugin's ProcessingConfig."""
    if _CONFIG is not None and name in _CONFIG.settings:
        return _CONFIG.getSetting(name)
    return QgsSettings().value(_QSETTINGS_KEY + name, default)


def is_active():
    v = _setting(SETTING_ACTIVATE, True)
    return str(v).lower() not in ("false", "0", "no") if v is not None else True


def set_active(active):
    set_setting(SETTING_ACTIVATE, bool(active))


def set_setting(name, value):
    """Store a provider setting (QgsSettings and, if loaded, ProcessingConfig)."""
    QgsSettings().setValue(_QSETTINGS_KEY + name, value)
    if _CONFIG is not None and name in _CONFIG.settings:
        _CONFIG.setSettingValue(name, value)


def default_venv():
    return worker_env.default_venv()


def default_python():
    return worker_env.venv_python(default_venv())


def worker_python():
    """The interpreter that runs spatial_carbon, and where it was configured."""
    value = _setting(SETTING_PYTHON, "") or ""
    if str(value).strip():
        return str(value).strip(), tr("the Processing setting %s") % SETTING_PYTHON
    if os.environ.get(ENV_PYTHON, "").strip():
        return os.environ[ENV_PYTHON].strip(), tr("the environment variable %s") % ENV_PYTHON
    return default_python(), tr("the default location")


def bundled_wheel():
    """The spatial_carbon wheel inside the plugin (``wheels/``), or None."""
    folder = os.path.join(os.path.dirname(__file__), "wheels")
    if not os.path.isdir(folder):
        return None
    wheels = sorted(f for f in os.listdir(folder)
                    if f.startswith("spatial_carbon-") and f.endswith(".whl"))
    return os.path.join(folder, wheels[-1]) if wheels else None


# ---------------------------------------------------------------- subprocess
def _env():
    return worker_env.clean_env()


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


# ---------------------------------------------------------------- checking
def _qgis_prefix():
    """``sys.prefix`` of the Python QGIS embeds (its base, if QGIS runs in a venv)."""
    return getattr(sys, "base_prefix", sys.prefix)


def _check(python, how):
    """Probe ``python`` now (one short subprocess): ``(ok, report or message)``."""
    if not os.path.isfile(python):
        return False, (tr("spatial_carbon: no Python interpreter at %s (from %s).") % (python, how)
                       + "\n" + worker_env.setup_hint())
    info = worker_env.probe(python, cwd=_neutral_cwd())
    ok, message = worker_env.judge(python, how, info, qgis_prefix=_qgis_prefix(),
                                   wheel_hint=bundled_wheel())
    return (True, info) if ok else (False, message)


def start_check(python=None):
    """Check the worker interpreter in a background thread (at provider load)."""
    python = python or worker_python()[0]
    with _LOCK:
        if python in _PENDING or _fresh(python):
            return
        t = threading.Thread(target=_background, args=(python, worker_python()[1]),
                             name="spatial_carbon worker check", daemon=True)
        _PENDING[python] = t
    t.start()


def _background(python, how):
    try:
        ok, result = _check(python, how)
    except Exception as exc:  # noqa: BLE001 - never let a thread die silently
        ok, result = False, "spatial_carbon: checking %s failed: %s" % (python, exc)
    with _LOCK:
        _CACHE[python] = (time.monotonic(), ok, result)
        _PENDING.pop(python, None)


def _fresh(python):
    hit = _CACHE.get(python)
    return hit is not None and (hit[1] or time.monotonic() - hit[0] < _FAIL_TTL_S)


def forget_checks():
    """Drop cached checks (after setup_worker changed the interpreter)."""
    with _LOCK:
        _CACHE.clear()


def check_worker(force=False, wait=None):
    """``(True, report)`` if the worker interpreter can run spatial_carbon.

    Otherwise ``(False, message)`` saying what is wrong and what to do.  A
    working interpreter is checked once per session; a failure again after
    15 s.  ``wait``: longest time to wait for a check running in the
    background; if it is still running then, ``(None, "")`` -- unknown (the
    tool then checks again when it runs, off the GUI thread).
    """
    python, how = worker_python()
    if not force:
        with _LOCK:
            pending = _PENDING.get(python)
            hit = _CACHE.get(python) if _fresh(python) else None
        if hit is not None:
            return hit[1], hit[2]
        if pending is not None:
            pending.join(wait)
            with _LOCK:
                hit = _CACHE.get(python)
            if hit is not None:
                return hit[1], hit[2]
            if wait is not None:
                return None, ""
    ok, result = _check(python, how)
    with _LOCK:
        _CACHE[python] = (time.monotonic(), ok, result)
    return ok, result


def as_html(message):
    """A check message for QGIS's "cannot be run" dialog (HTML): line breaks
    kept and a link that opens setup_worker."""
    from html import escape

    text = escape(message).replace("\n", "<br>")
    if GUI:
        text += ('<p><a href="spatialcarbon:setup_worker">%s</a></p>'
                 % escape(tr("Open '%s'") % tr(worker_env.SETUP_NAME)))
    return text


def run_step(step, inputs, params, outputs, feedback):
    """Run one worker step; stream progress/log to ``feedback``; return outputs.

    Raises
    ------
    QgsProcessingException
        With spatial_carbon's own message for a typed error (bad input), a
        short message for a crash (traceback in the log), or on cancel.
    """
    ok, report = check_worker(wait=None)
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
        feedback.pushDebugInfo("spatial_carbon %s (%s): %s %s -m spatial_carbon.qgis_worker %s"
                               % (report.get("spatial_carbon"), step, python,
                                  " ".join(ISOLATED), job_path))
    proc = _popen([python] + ISOLATED + ["-m", "spatial_carbon.qgis_worker", job_path])
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
