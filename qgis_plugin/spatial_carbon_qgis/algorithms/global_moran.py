"""Global Moran's I with seeded permutation inference."""

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
)

from ..base import SpatialCarbonAlgorithm
from ._common import GROUP_SPATIAL, add_weights_parameters, field_or_none, \
    weights_parameters


class GlobalMoran(SpatialCarbonAlgorithm):
    INPUT = "INPUT"
    FIELDS = "FIELDS"
    ID_FIELD = "ID_FIELD"
    YEAR_FIELD = "YEAR_FIELD"
    OUTPUT = "OUTPUT"

    NAME = "global_moran"
    DISPLAY = "Global Moran's I"
    GROUP, GROUP_ID = GROUP_SPATIAL
    STEP = "global_moran"
    ICON = "moran.svg"
    HELP = (
        "<p>Global spatial autocorrelation I = (n / S<sub>0</sub>) &middot; "
        "&Sigma;<sub>i</sub>&Sigma;<sub>j</sub> w<sub>ij</sub> z<sub>i</sub> z<sub>j</sub> / "
        "&Sigma;<sub>i</sub> z<sub>i</sub><sup>2</sup> (Moran 1950; Cliff &amp; Ord 1981), "
        "with the expectation, variance and z under normality and randomisation, and a "
        "pseudo p-value from seeded random permutations (the same seed gives the same "
        "result). One row per field and year. Validated against GeoDa (Columbus CRIME, "
        "I = 0.485770, queen) and esda.Moran. Islands (e.g. Hainan under queen contiguity) "
        "are linked to their nearest unit or dropped, never left with an empty row.</p>"
        "<p>Core: <code>spatial_carbon.spatial.autocorr.global_moran</code>, weights "
        "<code>spatial_carbon.spatial.weights.build</code>.</p>"
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(QgsProcessingParameterFeatureSource(
            self.INPUT, "Input layer", [QgsProcessing.TypeVectorPolygon]),
            "Polygons (e.g. provinces) with the variables; a long layer (one feature per "
            "region and year) needs the Year field.")
        self.add(QgsProcessingParameterField(
            self.FIELDS, "Fields", parentLayerParameterName=self.INPUT,
            type=QgsProcessingParameterField.Numeric, allowMultiple=True),
            "One or more numeric fields (e.g. ICF_size, ICF_depth).")
        self.add(QgsProcessingParameterField(
            self.ID_FIELD, "Region id field", parentLayerParameterName=self.INPUT,
            defaultValue="region_code"),
            "Field identifying the units (codes or names); unique per year.")
        self.add(QgsProcessingParameterField(
            self.YEAR_FIELD, "Year field", parentLayerParameterName=self.INPUT, optional=True),
            "If set, one statistic per year (weights from each region's polygon).")
        add_weights_parameters(self)
        self.add(QgsProcessingParameterFeatureSink(self.OUTPUT, "Moran's I table", QgsProcessing.TypeVector),
                 "CSV year, variable, n, I, EI, z and p under normality and randomisation, "
                 "p_sim, permutations, seed, weights, islands.")
        self.addOutput(QgsProcessingOutputNumber("I", "Moran's I (first row)"))
        self.addOutput(QgsProcessingOutputNumber("P_SIM", "Pseudo p-value (first row)"))

    def prepare(self, parameters, context, feedback):
        winputs, params = weights_parameters(self, parameters, context)
        inputs = {"input": self.source_path(parameters, self.INPUT, context, feedback),
                  **winputs}
        params.update({
            "fields": self.parameterAsFields(parameters, self.FIELDS, context),
            "id_field": field_or_none(self, parameters, self.ID_FIELD, context),
            "year_field": field_or_none(self, parameters, self.YEAR_FIELD, context),
        })
        outputs = {self.OUTPUT: self.table_output(parameters, self.OUTPUT, context)}
        return inputs, params, outputs
