"""Set up the worker: a venv with the bundled spatial_carbon wheel, stored in the settings."""

import json
import os
import shutil
import subprocess
import sys
import time

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
)

from .. import runner, worker_env
from ..base import SpatialCarbonAlgorithm
from ._common import GROUP_SETUP


class SetupWorker(SpatialCarbonAlgorithm):
    PYTHON = "PYTHON"
    VENV = "VENV"
    WHEELS = "WHEELS"
    EXTRAS = "EXTRAS"
    WHEEL = "WHEEL"

    EXTRA_CHOICES = [(), ("io",), ("all",)]
    EXTRA_LABELS = ["none", "io: pymrio (MRIO tool)", "all: pymrio, numba, dask"]

    NAME = "setup_worker"
    DISPLAY = worker_env.SETUP_NAME
    GROUP, GROUP_ID = GROUP_SETUP
    STEP = ""
    HELP = (
        "<p>Creates the Python environment in which the tools run spatial_carbon, and "
        "stores its interpreter in <i>Processing &gt; Options &gt; Providers &gt; "
        "spatial_carbon</i>. One click: the spatial_carbon wheel travels inside the plugin.</p>"
        "<p>The environment is a venv made from QGIS's own Python when that is recent enough "
        "(Python &ge; 3.10: QGIS 3.34+ on Windows and macOS, the system Python on Linux), "
        "otherwise from a Python found on this computer (the <code>py</code> launcher and "
        "python.org installs on Windows; Homebrew and python.org on macOS; "
        "<code>python3.X</code> on PATH). It runs as a separate process, so the GDAL that "
        "pip's rasterio and pyogrio wheels carry never meets QGIS's. pip then installs the "
        "wheel and its dependencies (numpy, pandas, geopandas, rasterio, esda ...) from the "
        "internet, or from a folder of wheels on a machine without internet; its progress "
        "goes to this log. Running it again updates an existing environment.</p>"
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(QgsProcessingParameterFile(
            self.PYTHON, "Base Python", optional=True),
            "Interpreter the environment is made from (Python >= 3.10). Empty: QGIS's own "
            "Python if suitable, else the newest one found on this computer.")
        self.add(QgsProcessingParameterFile(
            self.VENV, "Environment folder", behavior=QgsProcessingParameterFile.Folder,
            optional=True, defaultValue=worker_env.default_venv()),
            "Folder of the venv (created; an existing venv is updated; any other non-empty "
            "folder is refused).")
        self.add(QgsProcessingParameterFile(
            self.WHEELS, "Offline wheel folder", behavior=QgsProcessingParameterFile.Folder,
            optional=True),
            "For a machine without internet: a folder holding the wheels of the dependencies "
            "(made elsewhere with pip download -d FOLDER ...; see docs/qgis.md). Empty: pip "
            "downloads them from PyPI.")
        self.add(QgsProcessingParameterEnum(
            self.EXTRAS, "Optional packages", options=self.EXTRA_LABELS, defaultValue=0),
            "Optional extras of spatial_carbon to install as well.", advanced=True)
        self.add(QgsProcessingParameterFile(
            self.WHEEL, "spatial_carbon wheel", optional=True, extension="whl"),
            "A spatial_carbon wheel to install instead of the one inside the plugin.",
            advanced=True)
        self.addOutput(QgsProcessingOutputString("PYTHON", "Worker interpreter"))
        self.addOutput(QgsProcessingOutputNumber("SECONDS", "Time taken (s)"))
        self.addOutput(QgsProcessingOutputNumber("SIZE_MB", "Size of the environment (MB)"))

    def canExecute(self):  # noqa: N802 - needs no worker: it makes one
        return True, ""

    def prepare(self, parameters, context, feedback):  # not a worker step
        return {}, {}, {}

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        t0 = time.monotonic()
        wheel = self.parameterAsFile(parameters, self.WHEEL, context) or runner.bundled_wheel()
        if not wheel or not os.path.isfile(wheel):
            raise QgsProcessingException(
                "this copy of the plugin carries no spatial_carbon wheel (it was not built with "
                "'spatial-carbon qgis-plugin-zip'); give one under 'spatial_carbon wheel'")
        wheels_dir = self.parameterAsFile(parameters, self.WHEELS, context) or None
        if wheels_dir and not os.path.isdir(wheels_dir):
            raise QgsProcessingException("offline wheel folder %s does not exist" % wheels_dir)
        extras = self.EXTRA_CHOICES[self.parameterAsEnum(parameters, self.EXTRAS, context)]
        venv = os.path.abspath(self.parameterAsFile(parameters, self.VENV, context)
                               or worker_env.default_venv())
        python = worker_env.venv_python(venv)
        cfg = os.path.join(venv, "pyvenv.cfg")
        created = False
        if os.path.isfile(cfg) and os.path.isfile(python):
            feedback.pushInfo("Updating the environment in %s" % venv)
        elif os.path.isdir(venv) and os.listdir(venv):
            raise QgsProcessingException(
                "%s exists and is not a Python environment; choose an empty or new folder "
                "(nothing in it was changed)" % venv)
        else:
            base = self.base_python(parameters, context, feedback)
            feedback.pushInfo("Creating a venv in %s from %s" % (venv, base))
            feedback.setProgress(2)
            created = True
            self.stream(worker_env.venv_command(base, venv), feedback, None, venv, created)
        if feedback.isCanceled():
            self.cleanup(venv, created)
            raise QgsProcessingException("spatial_carbon: canceled by the user")
        state = {"expected": (len([f for f in os.listdir(wheels_dir) if f.endswith(".whl")])
                              if wheels_dir else 45)}
        feedback.pushInfo("Installing %s%s with pip%s" % (
            os.path.basename(wheel), "[%s]" % ",".join(extras) if extras else "",
            " from %s (offline)" % wheels_dir if wheels_dir else ""))
        self.stream(worker_env.pip_command(python, wheel, extras, wheels_dir,
                                           upgrade=not created),
                    feedback, state, venv, created)
        info = self.verify(python, feedback)
        with open(os.path.join(venv, worker_env.MARKER), "w", encoding="utf-8") as f:
            json.dump({"spatial_carbon": info.get("spatial_carbon"), "wheel":
                       os.path.basename(wheel), "extras": list(extras),
                       "python": info.get("python"), "offline": bool(wheels_dir)}, f, indent=1)
        seconds = time.monotonic() - t0
        size_mb = worker_env.folder_size(venv) / 1e6
        feedback.pushInfo("Worker ready: %s (spatial_carbon %s, Python %s); %.0f s, %.0f MB"
                          % (python, info.get("spatial_carbon"), info.get("python"), seconds,
                             size_mb))
        feedback.setProgress(100)
        self._python = python
        return {"PYTHON": python, "SECONDS": seconds, "SIZE_MB": size_mb}

    def postProcessAlgorithm(self, context, feedback):  # noqa: N802 - GUI thread
        python = getattr(self, "_python", None)
        if python:
            runner.set_setting(runner.SETTING_PYTHON, python)
            runner.forget_checks()
            runner.start_check()
            feedback.pushInfo("Stored in Processing > Options > Providers > spatial_carbon > "
                              "%s" % runner.SETTING_PYTHON)
        return {}

    # -------------------------------------------------------------- helpers
    def base_python(self, parameters, context, feedback):
        given = self.parameterAsFile(parameters, self.PYTHON, context)
        candidates = ([given] if given else
                      worker_env.qgis_python_candidates() + worker_env.other_python_candidates())
        candidates = [c for c in candidates if os.path.isfile(c)]
        py, info, reasons = worker_env.choose_base(
            candidates, lambda p: worker_env.probe(p, cwd=runner._neutral_cwd()))
        for r in reasons:
            feedback.pushInfo("Not used: " + r)
        if py is None:
            raise QgsProcessingException(
                "no Python >= %d.%d with the venv module found%s. Install Python 3.12 "
                "(Windows: python.org, or 'winget install Python.Python.3.12'; macOS: "
                "python.org or 'brew install python@3.12'; Debian/Ubuntu: apt-get install "
                "python3-venv) and run this tool again, or give it under 'Base Python'."
                % (worker_env.MIN_PYTHON + ((" (tried: %s)" % "; ".join(reasons))
                                            if reasons else "",)))
        feedback.pushInfo("Base Python: %s (Python %s%s)" % (
            py, info.get("python"),
            ", QGIS's own" if py in worker_env.qgis_python_candidates() else ""))
        return py

    def stream(self, args, feedback, state, venv, created):
        """Run ``args``, every output line to the log; raise on failure or cancel."""
        feedback.pushCommandInfo(" ".join('"%s"' % a if " " in a else a for a in args))
        kwargs = {"creationflags": 0x08000000} if sys.platform == "win32" else {}
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, env=worker_env.clean_env(),
                                cwd=runner._neutral_cwd(), **kwargs)
        last = []
        for raw in iter(proc.stdout.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip()
            if not line:
                continue
            feedback.pushConsoleInfo(line)
            last = (last + [line])[-5:]
            if state is not None:
                p = worker_env.pip_progress(line, state)
                if p is not None:
                    feedback.setProgress(p)
            if feedback.isCanceled():
                runner._terminate(proc)
                break
        proc.stdout.close()
        rc = proc.wait()
        if feedback.isCanceled():
            self.cleanup(venv, created)
            raise QgsProcessingException("spatial_carbon: canceled by the user")
        if rc != 0:
            self.cleanup(venv, created)
            what = "creating the venv" if "venv" in args else "pip install"
            raise QgsProcessingException("%s failed (exit status %d): %s"
                                         % (what, rc, " | ".join(last)))

    @staticmethod
    def cleanup(venv, created):
        """Remove a venv this run created (never a folder that existed before)."""
        if created and os.path.isfile(os.path.join(venv, "pyvenv.cfg")):
            shutil.rmtree(venv, ignore_errors=True)

    @staticmethod
    def verify(python, feedback):
        """Import everything in the new environment once (the full check)."""
        r = subprocess.run([python, "-I", "-m", "spatial_carbon.qgis_worker", "check"],
                           stdin=subprocess.DEVNULL, capture_output=True,
                           env=worker_env.clean_env(), cwd=runner._neutral_cwd(), timeout=600,
                           **({"creationflags": 0x08000000} if sys.platform == "win32" else {}))
        report = None
        for line in r.stdout.decode("utf-8", "replace").splitlines():
            if line.startswith("@@result "):
                report = json.loads(line[len("@@result "):])
        if r.returncode != 0 or report is None or report.get("missing"):
            err = r.stderr.decode("utf-8", "replace").strip().splitlines()
            raise QgsProcessingException(
                "the new environment does not import spatial_carbon's dependencies: %s"
                % ((", ".join(report["missing"]) if report else "") or
                   (err[-1] if err else "exit status %d" % r.returncode)))
        feedback.pushInfo("Checked: " + ", ".join(
            "%s %s" % kv for kv in sorted(report["versions"].items())))
        return report
