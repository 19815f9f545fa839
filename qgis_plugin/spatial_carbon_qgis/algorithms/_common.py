"""Groups and small helpers shared by the tools."""

import os

from qgis.core import QgsProcessingContext

GROUP_INVENTORY = ("1 - Emissions inventory", "inventory")
GROUP_SINKS = ("2 - Land cover and carbon sinks", "sinks")
GROUP_FOOTPRINT = ("3 - Carbon footprint", "footprint")
GROUP_SPATIAL = ("4 - Spatial statistics", "spatial")
GROUP_IO = ("5 - Input-output carbon transfer", "io")
GROUP_STUDY = ("6 - Whole study", "study")


def load_table(path, name, context, output_name):
    """Ask Processing to open a CSV output as a table when the run ends (GUI)."""
    if path and os.path.isfile(path) and context.project() is not None:
        context.addLayerToLoadOnCompletion(
            path, QgsProcessingContext.LayerDetails(name, context.project(), output_name))
