"""The plugin object: registers one Processing provider, removes it on unload."""

from qgis.core import QgsApplication

from .provider import SpatialCarbonProvider


class SpatialCarbonPlugin:
    def __init__(self, iface=None):
        self.iface = iface
        self.provider = None

    def initProcessing(self):  # noqa: N802 - QGIS API name
        if self.provider is None:
            self.provider = SpatialCarbonProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):  # noqa: N802 - QGIS API name
        self.initProcessing()

    def unload(self):
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
