"""The plugin object: translations, one Processing provider, a menu entry.

``initProcessing`` (also what qgis_process calls) registers the provider;
``initGui`` (the QGIS window) adds *Plugins > spatial_carbon > Set up the
spatial_carbon worker...* and the ``spatialcarbon:`` link scheme used by the
"cannot be run" message to open that tool.
"""

import os

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QCoreApplication, QObject, QTranslator, pyqtSlot

from . import runner
from .names import translation_file
from .provider import SpatialCarbonProvider

_HERE = os.path.dirname(__file__)
_SCHEME = "spatialcarbon"


class _LinkHandler(QObject):
    """Opens ``spatialcarbon:<tool>`` links (from the tools' messages)."""

    @pyqtSlot("QUrl")
    def open(self, url):
        from processing import execAlgorithmDialog

        execAlgorithmDialog("spatial_carbon:" + url.path(), {})


class SpatialCarbonPlugin:
    def __init__(self, iface=None):
        self.iface = iface
        self.provider = None
        self.action = None
        self.links = None
        self.translator = None
        qm = translation_file()
        if qm:
            self.translator = QTranslator()
            if self.translator.load(qm):
                QCoreApplication.installTranslator(self.translator)
            else:
                self.translator = None

    def initProcessing(self):  # noqa: N802 - QGIS API name
        if self.provider is None:
            self.provider = SpatialCarbonProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):  # noqa: N802 - QGIS API name
        self.initProcessing()
        if self.iface is None:
            return
        from qgis.PyQt.QtGui import QDesktopServices, QIcon
        from qgis.PyQt.QtWidgets import QAction

        from .worker_env import SETUP_NAME

        runner.GUI = True
        self.links = _LinkHandler()
        QDesktopServices.setUrlHandler(_SCHEME, self.links, "open")
        self.action = QAction(QIcon(os.path.join(_HERE, "icons", "spatial_carbon.svg")),
                              runner.tr(SETUP_NAME) + "…", self.iface.mainWindow())
        self.action.setObjectName("spatial_carbon_setup_worker")
        self.action.triggered.connect(self.open_setup)
        self.iface.addPluginToMenu("spatial_carbon", self.action)

    def open_setup(self):
        from processing import execAlgorithmDialog

        execAlgorithmDialog("spatial_carbon:setup_worker", {})

    def unload(self):
        if self.action is not None:
            from qgis.PyQt.QtGui import QDesktopServices

            self.iface.removePluginMenu("spatial_carbon", self.action)
            QDesktopServices.unsetUrlHandler(_SCHEME)
            self.action = self.links = None
            runner.GUI = False
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        if self.translator is not None:
            QCoreApplication.removeTranslator(self.translator)
            self.translator = None
