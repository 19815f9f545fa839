"""Drive the QGIS desktop application (qgis.bin under Xvfb) as a user would.

Run by tests/test_qgis_desktop.py as ``qgis.bin --code tests/qgis/desktop.py``
with ``SPATIAL_CARBON_DESKTOP_SPEC=spec.json``.  In a fresh profile it

1. installs the plugin zip through the Plugin Manager's *Install from ZIP*
   code (``pyplugin_installer``), optionally reloads the plugin;
2. records the plugin's menu entry, the "cannot be run" message of a tool,
   and what the menu entry and the message's link open;
3. runs the spec's cases through ``processing.run`` (e.g. setup_worker, then
   lisa), recording outputs, errors and the log;
4. writes RESULTS, then quits QGIS through File > Exit.

Every exception QGIS would show in an error dialog (``qgis.utils.showException``)
and every message-log line goes to LOG as it happens, also while QGIS quits,
which is where the KeyError of the provider's unload used to appear.
"""

import json
import os
import sys
import time
import traceback

from qgis.core import QgsApplication, QgsSettings
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QApplication

import qgis.utils as qutils

SPEC = json.load(open(os.environ["SPATIAL_CARBON_DESKTOP_SPEC"], encoding="utf-8"))
sys.path.insert(0, SPEC["scripts"])  # tests/qgis (QGIS's --code runs this file as text)
from feedback import Feedback  # noqa: E402
LOG = open(SPEC["log"], "a", buffering=1, encoding="utf-8")
RES = {"steps": [], "cases": {}}


def log(text):
    LOG.write(text.rstrip("\n") + "\n")


def _on_message(msg, tag, level):
    log("MSG[%s/%d] %s" % (tag, int(level), msg.replace("\n", " | ")))


QgsApplication.messageLog().messageReceived.connect(_on_message)


def _show_exception(etype, value, tb, msg=None, messagebar=False, level=None):
    log("EXCEPTION %s: %s (%s)" % (etype.__name__, value, msg))
    log("".join(traceback.format_exception(etype, value, tb)))


qutils.showException = _show_exception


def _modal_opened_by(trigger):
    """Run ``trigger`` (which opens a modal dialog); return the dialog's
    algorithm id (or class name) and close it."""
    seen = {}

    def close():
        # no window manager under Xvfb, so no "active" modal widget: the
        # visible dialog it is
        from qgis.PyQt.QtWidgets import QDialog

        w = QApplication.activeModalWidget() or next(
            (t for t in QApplication.topLevelWidgets() if t.isVisible()
             and isinstance(t, QDialog)), None)
        if w is None:
            if seen.setdefault("tries", 0) < 50:
                seen["tries"] += 1
                QTimer.singleShot(200, close)
            return
        try:
            alg = w.algorithm() if hasattr(w, "algorithm") else None
            seen["dialog"] = alg.id() if alg is not None else type(w).__name__
        except Exception as exc:  # noqa: BLE001
            seen["dialog"] = "error: %s" % exc
        finally:
            w.reject()

    QTimer.singleShot(300, close)
    trigger()
    return seen.get("dialog")


def step_install():
    from pyplugin_installer import instance

    log("INSTALLING")
    t = time.time()
    instance().installFromZipFile(SPEC["zip"])
    RES["steps"].append(["installed", time.time() - t, list(qutils.active_plugins)])
    if SPEC.get("reload"):
        RES["steps"].append(["reloaded", qutils.reloadPlugin("spatial_carbon_qgis")])
    QTimer.singleShot(500, step_gui)


def step_gui():
    log("GUI CHECKS")
    try:
        from qgis.PyQt.QtCore import QUrl
        from qgis.PyQt.QtGui import QDesktopServices

        reg = QgsApplication.processingRegistry()
        RES["provider"] = reg.providerById("spatial_carbon") is not None
        actions = [a for a in qutils.iface.pluginMenu().actions()]
        sub = {}
        for a in actions:
            if a.menu() is not None:
                sub[a.text().replace("&", "")] = [b.objectName() for b in a.menu().actions()]
        RES["plugin_menu"] = sub
        alg = reg.algorithmById("spatial_carbon:lisa")
        RES["lisa_can_execute_before"] = list(alg.canExecute()) if alg else None
        if SPEC.get("open_dialogs"):
            act = next((b for a in actions if a.menu() is not None
                        for b in a.menu().actions()
                        if b.objectName() == "spatial_carbon_setup_worker"), None)
            RES["menu_opens"] = _modal_opened_by(act.trigger) if act else None
            RES["link_opens"] = _modal_opened_by(
                lambda: QDesktopServices.openUrl(QUrl("spatialcarbon:setup_worker")))
    except Exception:  # noqa: BLE001 - recorded for the test
        RES["gui_error"] = traceback.format_exc()
    QTimer.singleShot(100, step_cases)


def _render_map(png):
    """The project's layers as QGIS draws them: renderers, the canvas, and a PNG."""
    from qgis.core import QgsMapRendererSequentialJob, QgsMapSettings, QgsProject
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    layers = list(QgsProject.instance().mapLayers().values())
    info = []
    for lyr in layers:
        r = lyr.renderer() if hasattr(lyr, "renderer") else None
        d = {"name": lyr.name(), "renderer": r.type() if r else None,
             "features": lyr.featureCount() if hasattr(lyr, "featureCount") else None}
        if r is not None and r.type() == "categorizedSymbol":
            d["attribute"] = r.classAttribute()
            d["categories"] = [[str(c.value()), c.symbol().color().name()] for c in r.categories()]
        info.append(d)
    ms = QgsMapSettings()
    ms.setLayers(layers)
    ms.setDestinationCrs(layers[0].crs())
    ms.setExtent(layers[0].extent())
    ms.setOutputSize(QSize(600, 450))
    ms.setBackgroundColor(QColor("white"))
    job = QgsMapRendererSequentialJob(ms)
    job.start()
    job.waitForFinished()
    job.renderedImage().save(png, "PNG")
    # the layer tree hands its layers to the main window's map canvas (deferred)
    for _ in range(50):
        QApplication.processEvents()
        if qutils.iface.mapCanvas().layers():
            break
        time.sleep(0.1)
    return {"layers": info, "png": png,
            "layer_tree": [n.name() for n in QgsProject.instance().layerTreeRoot().findLayers()],
            "canvas": [lyr.name() for lyr in qutils.iface.mapCanvas().layers()]}


def step_cases():
    import processing

    log("CASES")
    for case in SPEC.get("cases", []):
        fb = Feedback()
        t = time.time()
        rec = {"ok": False}
        try:
            if case.get("png"):  # as from the dialog: the results load into the map
                out = processing.runAndLoadResults(case["alg"], case["params"], feedback=fb)
                rec["map"] = _render_map(case["png"])
            else:
                out = processing.run(case["alg"], case["params"], feedback=fb)
            rec["ok"] = True
            rec["outputs"] = {k: v if isinstance(v, (str, int, float, bool, type(None)))
                              else str(v) for k, v in out.items()}
        except BaseException as exc:  # noqa: BLE001
            rec["error"] = "%s: %s" % (type(exc).__name__, exc)
        rec["seconds"] = time.time() - t
        rec["log"] = fb.log
        rec["max_progress"] = max(fb.progress_values) if fb.progress_values else None
        RES["cases"][case["id"]] = rec
    RES["setting"] = QgsSettings().value("Processing/Configuration/SPATIAL_CARBON_PYTHON")
    RES["env_python"] = os.environ.get("SPATIAL_CARBON_PYTHON")
    with open(SPEC["results"], "w", encoding="utf-8") as f:
        json.dump(RES, f, ensure_ascii=False, indent=1)
    log("QUITTING")
    # results loaded into the project (files under /tmp count as temporary layers):
    # quit without QGIS's "temporary layers ... proceed?" and "save changes?" questions
    from qgis.core import QgsProject

    QgsProject.instance().removeAllMapLayers()
    QgsProject.instance().setDirty(False)
    QTimer.singleShot(200, qutils.iface.actionExit().trigger)


def watchdog():
    """A hung step must not hang the test: write what we have and leave."""
    log("WATCHDOG: gave up after %s s" % SPEC.get("watchdog_s", 1500))
    RES["watchdog"] = True
    with open(SPEC["results"], "w", encoding="utf-8") as f:
        json.dump(RES, f, ensure_ascii=False, indent=1)
    os._exit(3)


QTimer.singleShot(int(SPEC.get("watchdog_s", 1500) * 1000), watchdog)
QTimer.singleShot(1000, step_install)
