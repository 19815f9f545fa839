"""QGIS plugin entry point: spatial_carbon Processing provider."""


def classFactory(iface):  # noqa: N802 - QGIS API name
    from .plugin import SpatialCarbonPlugin

    return SpatialCarbonPlugin(iface)
