"""The spatial_carbon Processing provider: one addAlgorithm per tool, plus the models."""

import os

from qgis.core import QgsApplication, QgsProcessingModelAlgorithm, QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from . import runner
from .algorithms import ALGORITHMS
from .names import GROUPS, help_url, tr

_HERE = os.path.dirname(__file__)
MODELS = os.path.join(_HERE, "models")


class SpatialCarbonProvider(QgsProcessingProvider):
    def id(self):
        return "spatial_carbon"

    def name(self):
        return "spatial_carbon"

    def longName(self):  # noqa: N802 - QGIS API name
        return tr("spatial_carbon: regional carbon analysis")

    def icon(self):
        return QIcon(os.path.join(_HERE, "icons", "spatial_carbon.svg"))

    def svgIconPath(self):  # noqa: N802 - QGIS API name
        return os.path.join(_HERE, "icons", "spatial_carbon.svg")

    def load(self):
        runner.add_settings(self)
        # The worker interpreter is probed once, off the GUI thread, so the
        # first tool dialog does not wait for a subprocess.
        runner.start_check()
        self.refreshAlgorithms()
        return True

    def unload(self):
        runner.remove_settings()

    # "Activate" in Processing > Options > Providers, as the GDAL provider has.
    def isActive(self):  # noqa: N802 - QGIS API name
        return runner.is_active()

    def setActive(self, active):  # noqa: N802 - QGIS API name
        runner.set_active(active)

    def supportedOutputVectorLayerExtensions(self):  # noqa: N802 - QGIS API name
        # The core writes map layers as GeoPackage only (atomically, styles inside).
        return ["gpkg"]

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
        for name in sorted(os.listdir(MODELS)) if os.path.isdir(MODELS) else []:
            if name.endswith(".model3"):
                m = ProviderModel(os.path.join(MODELS, name))
                if m.loaded and self.algorithm(m.name()) is None:
                    self.addAlgorithm(m)


class ProviderModel(QgsProcessingModelAlgorithm):
    """A model shipped with the plugin, with a stable id and translated names.

    A plain model's id is its display name (``spatial_carbon:Seed-001 study
    for one year``); this one keeps the file's stem as the id
    (``spatial_carbon:seed001_study``) and shows the model's name, group
    and help link like the tools.
    """

    def __init__(self, path):
        super().__init__()
        self.path = path
        self.loaded = self.fromFile(path)
        if self.loaded:
            self.updateDestinationParameters()
            for p in self.parameterDefinitions():  # labels translated like the tools'
                p.setDescription(tr(p.description()))

    def name(self):
        return os.path.splitext(os.path.basename(self.path))[0]

    def displayName(self):  # noqa: N802
        return tr(super().displayName())

    def groupId(self):  # noqa: N802
        # A .model3 stores the group's name only (model_group); the provider's
        # group of that name gives the id.
        name = super().group()
        return next((gid for gid, (n, _) in GROUPS.items() if n == name), name)

    def group(self):
        return tr(super().group())

    def helpUrl(self):  # noqa: N802
        return help_url(self.name())

    def createInstance(self):  # noqa: N802
        return ProviderModel(self.path)
