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


def file_or_none(alg, parameters, name, context):
    """Path of an optional file parameter, or None when empty."""
    v = alg.parameterAsFile(parameters, name, context)
    return v or None


def number_or_none(alg, parameters, name, context):
    """Value of an optional number parameter, or None when empty."""
    v = parameters.get(name)
    if v is None or v == "":
        return None
    return alg.parameterAsDouble(parameters, name, context)


def field_or_none(alg, parameters, name, context):
    """The field chosen in an optional field parameter, or None."""
    v = alg.parameterAsFields(parameters, name, context)
    return v[0] if v else None
