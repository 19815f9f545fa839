"""Spatial weights as a GeoDa GAL/GWT file, with a connectivity report."""

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
)

from ..base import SpatialCarbonAlgorithm
from ._common import GROUP_SPATIAL, add_weights_parameters, field_or_none, weights_parameters


class SpatialWeights(SpatialCarbonAlgorithm):
    INPUT = "INPUT"
    ID_FIELD = "ID_FIELD"
    OUTPUT = "OUTPUT"
    OUTPUT_REPORT = "OUTPUT_REPORT"

    NAME = "spatial_weights"
    DISPLAY = "Spatial weights (GAL/GWT) and connectivity"
    GROUP, GROUP_ID = GROUP_SPATIAL
    STEP = "spatial_weights"
    ICON = "moran.svg"
    HELP = (
        "<p>Builds the spatial weights used by the Moran and LISA tools — queen or rook "
        "contiguity (vertex based, as GeoDa and libpysal), k nearest neighbours or a "
        "distance band — applies the island policy (an island such as Hainan is linked to "
        "its nearest unit, or dropped), and writes them as a GeoDa .gal (neighbours) or "
        ".gwt (weights) file, so the same neighbours can be checked or reused in GeoDa, "
        "PySAL or R spdep. The connectivity report (units, links, neighbour counts, "
        "connected components, islands and what was done with them) goes to the log and, "
        "optionally, to a JSON file.</p>"
        "<p>Core: <code>spatial_carbon.spatial.weights.build</code>, <code>write_gal</code>, "
        "<code>write_gwt</code>.</p>"
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(QgsProcessingParameterFeatureSource(
            self.INPUT, "Input layer", [QgsProcessing.TypeVectorPolygon]),
            "Polygons of the units (e.g. provinces).")
        self.add(QgsProcessingParameterField(
            self.ID_FIELD, "Region id field", parentLayerParameterName=self.INPUT,
            defaultValue="region_code"),
            "Field identifying the units; written as the ids of the weights file.")
        add_weights_parameters(self)
        for name in ("PERMUTATIONS", "SEED", "ALTERNATIVE"):  # not used here
            self.removeParameter(name)
        self.add(QgsProcessingParameterFileDestination(
            self.OUTPUT, "Weights file", "GeoDa weights (*.gal *.gwt)"),
            "A .gal (contiguity, knn) or .gwt (with weights) file.")
        self.add(QgsProcessingParameterFileDestination(
            self.OUTPUT_REPORT, "Connectivity report", "JSON files (*.json)", optional=True,
            createByDefault=False),
            "Optional JSON connectivity report.")
        self.addOutput(QgsProcessingOutputNumber("N_ISLANDS", "Units without contiguous "
                                                              "neighbours"))
        self.addOutput(QgsProcessingOutputNumber("N_COMPONENTS", "Connected components"))

    def prepare(self, parameters, context, feedback):
        winputs, params = weights_parameters(self, parameters, context)
        inputs = {"input": self.source_path(parameters, self.INPUT, context, feedback),
                  **winputs}
        params["id_field"] = field_or_none(self, parameters, self.ID_FIELD, context)
        outputs = {self.OUTPUT: self.parameterAsFileOutput(parameters, self.OUTPUT, context)}
        rep = self.parameterAsFileOutput(parameters, self.OUTPUT_REPORT, context)
        if rep:
            outputs[self.OUTPUT_REPORT] = rep
        return inputs, params, outputs
