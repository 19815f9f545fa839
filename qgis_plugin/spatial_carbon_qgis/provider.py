"""The spatial_carbon Processing provider: one addAlgorithm per tool."""

import os

from qgis.core import QgsApplication, QgsProcessingModelAlgorithm, QgsProcessingProvider
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
        # A model's steps are looked up in the registry, which holds this
        # provider only once load() has returned: add the models then.
        registry = QgsApplication.processingRegistry()
        if registry.providerById(self.id()) is not None:
            self._add_models()
        else:
            registry.providerAdded.connect(self._on_provider_added)

    def _on_provider_added(self, provider_id):
        if provider_id == self.id():
            QgsApplication.processingRegistry().providerAdded.disconnect(self._on_provider_added)
            self._add_models()
            self.algorithmsLoaded.emit()  # the Toolbox re-reads the provider's algorithms

    def _add_models(self):
        """Add the Processing models shipped in models/ (e.g. the seed-001 chain)."""
        models = os.path.join(_HERE, "models")
        for name in sorted(os.listdir(models)) if os.path.isdir(models) else []:
            if not name.endswith(".model3"):
                continue
            m = QgsProcessingModelAlgorithm()
            if m.fromFile(os.path.join(models, name)) and self.algorithm(m.name()) is None:
                m.updateDestinationParameters()
                self.addAlgorithm(m)
