"""The spatial_carbon Processing provider: one addAlgorithm per tool."""

import os

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from . import runner
from .algorithms import ALGORITHMS

_HERE = os.path.dirname(__file__)


class SpatialCarbonProvider(QgsProcessingProvider):
    def id(self):
        return "spatial_carbon"

    def name(self):
        return "spatial_carbon"

    def longName(self):  # noqa: N802 - QGIS API name
        return "spatial_carbon: regional carbon analysis"

    def icon(self):
        return QIcon(os.path.join(_HERE, "icons", "spatial_carbon.svg"))

    def svgIconPath(self):  # noqa: N802 - QGIS API name
        return os.path.join(_HERE, "icons", "spatial_carbon.svg")

    def load(self):
        runner.add_settings(self)
        self.refreshAlgorithms()
        return True

    def unload(self):
        runner.remove_settings()

    def supportedOutputVectorLayerExtensions(self):  # noqa: N802 - QGIS API name
        # The core writes GeoPackage only (atomically, with the style inside).
        return ["gpkg"]

    def supportedOutputTableExtensions(self):  # noqa: N802 - QGIS API name
        return ["csv"]

    def loadAlgorithms(self):  # noqa: N802 - QGIS API name
        for cls in ALGORITHMS:
            self.addAlgorithm(cls())
