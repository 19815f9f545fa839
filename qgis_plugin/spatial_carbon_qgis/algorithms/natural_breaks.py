"""Natural breaks (Fisher-Jenks) classes, per year and pooled, styled graduated."""

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterVectorDestination,
)

from ..base import SpatialCarbonAlgorithm
from ._common import GROUP_SPATIAL, field_or_none


class NaturalBreaks(SpatialCarbonAlgorithm):
    INPUT = "INPUT"
    FIELD = "FIELD"
    K = "K"
    YEAR_FIELD = "YEAR_FIELD"
    SCHEME = "SCHEME"
    OUTPUT = "OUTPUT"
    BREAKS = "BREAKS"

    SCHEMES = ["fisher_jenks", "quantiles", "equal_interval", "jenks_caspall",
               "jenks_caspall_forced", "maximum_breaks"]

    NAME = "natural_breaks"
    DISPLAY = "Natural breaks classes"
    GROUP, GROUP_ID = GROUP_SPATIAL
    STEP = "natural_breaks"
    ICON = "breaks.svg"
    HELP = (
        "<p>Classifies a field into k classes by natural breaks: the exact Fisher-Jenks "
        "optimum (Fisher 1958, JASA 53:789-798; Jenks 1967), which minimises the sum of "
        "squared deviations from the class means, computed in float64 (the result is checked "
        "against brute force). Classes per year (field &lt;field&gt;_class) and pooled over "
        "all years (&lt;field&gt;_class_pooled, one legend for every year). The layer "
        "loads with a graduated style from the pooled breaks, colours as spatial_carbon's "
        "maps; class j holds lower &lt; value &le; upper.</p>"
        "<p>Core: <code>spatial_carbon.spatial.classify.natural_breaks</code>.</p>"
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(QgsProcessingParameterFeatureSource(
            self.INPUT, "Input layer", [QgsProcessing.TypeVectorPolygon]),
            "Polygons with the field to classify.")
        self.add(QgsProcessingParameterField(
            self.FIELD, "Field", parentLayerParameterName=self.INPUT,
            type=QgsProcessingParameterField.Numeric),
            "Numeric field to classify (e.g. ICF, ICF_size, ICF_depth, ICF_pc).")
        self.add(QgsProcessingParameterNumber(self.K, "Number of classes",
                                              QgsProcessingParameterNumber.Integer,
                                              defaultValue=5, minValue=2, maxValue=20),
                 "k, the number of classes (5 in the seed study).")
        self.add(QgsProcessingParameterField(
            self.YEAR_FIELD, "Year field", parentLayerParameterName=self.INPUT, optional=True),
            "If set, features are also classified per year; empty: one classification.")
        self.add(QgsProcessingParameterEnum(self.SCHEME, "Scheme", options=self.SCHEMES,
                                            defaultValue=0),
                 "fisher_jenks = exact natural breaks (default); other mapclassify schemes for "
                 "comparison.", advanced=True)
        self.add(QgsProcessingParameterVectorDestination(
            self.OUTPUT, "Classified layer", QgsProcessing.TypeVectorPolygon),
            "GeoPackage with the class fields, styled graduated by the pooled breaks.")
        self.add(QgsProcessingParameterFeatureSink(
            self.BREAKS, "Breaks table", QgsProcessing.TypeVector, optional=True,
            createByDefault=False),
            "Optional CSV column, year (empty when pooled), pooled, break_class, lower, upper, "
            "count.")

    def prepare(self, parameters, context, feedback):
        inputs = {"input": self.source_path(parameters, self.INPUT, context, feedback)}
        params = {"field": field_or_none(self, parameters, self.FIELD, context),
                  "k": self.parameterAsInt(parameters, self.K, context),
                  "year_field": field_or_none(self, parameters, self.YEAR_FIELD, context),
                  "scheme": self.SCHEMES[self.parameterAsEnum(parameters, self.SCHEME, context)]}
        outputs = {self.OUTPUT: self.vector_output(self, parameters, self.OUTPUT, context)}
        breaks = self.table_output(parameters, self.BREAKS, context)
        if breaks:
            outputs[self.BREAKS] = breaks
        return inputs, params, outputs
