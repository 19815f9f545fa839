"""Spatial Markov chain (Rey 2001; giddy Spatial_Markov)."""

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterNumber,
)

from ..base import SpatialCarbonAlgorithm
from ._common import (
    GROUP_SPATIAL, add_weights_parameters, field_or_none, weights_parameters,
)


class SpatialMarkov(SpatialCarbonAlgorithm):
    INPUT = "INPUT"
    FIELD = "FIELD"
    ID_FIELD = "ID_FIELD"
    YEAR_FIELD = "YEAR_FIELD"
    K_CLASSES = "K_CLASSES"
    M_CLASSES = "M_CLASSES"
    SCHEME = "SCHEME"
    LAG_SCHEME = "LAG_SCHEME"
    OUTPUT = "OUTPUT"
    OUTPUT_STEADY = "OUTPUT_STEADY"
    OUTPUT_CLASSES = "OUTPUT_CLASSES"

    SCHEMES = ["quantiles", "fisher_jenks"]
    LAG_SCHEMES = ["as value classes scheme", "quantiles", "fisher_jenks", "same"]

    NAME = "spatial_markov"
    DISPLAY = "Spatial Markov chain"
    GROUP, GROUP_ID = GROUP_SPATIAL
    STEP = "spatial_markov"
    ICON = "lisa.svg"
    HELP = (
        "<p>Rey's (2001) spatial Markov chain, as giddy's Spatial_Markov: the field is cut "
        "into k classes pooled over all years (quantiles, or exact natural breaks), the "
        "neighbours' mean (spatial lag) into m classes, and the transitions between "
        "consecutive years are counted for each lag class. Outputs the pooled and "
        "conditional transition matrices (tidy CSV: conditioning, lag_class, from_class, "
        "to_class, n_steps, probability), their steady states and the class bounds "
        "(markov_class), and Bickenbach and Bode's Q and LR tests that the conditional matrices are equal (in the log).</p>"
        "<p>Core: <code>spatial_carbon.spatial.markov.spatial_markov</code>.</p>"
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(QgsProcessingParameterFeatureSource(
            self.INPUT, "Input layer (several years)", [QgsProcessing.TypeVectorPolygon]),
            "Long polygon layer: one feature per region and year (e.g. the footprint layer).")
        self.add(QgsProcessingParameterField(
            self.FIELD, "Field", parentLayerParameterName=self.INPUT,
            type=QgsProcessingParameterField.Numeric),
            "Numeric field to classify (e.g. ICF_size).")
        self.add(QgsProcessingParameterField(
            self.ID_FIELD, "Region id field", parentLayerParameterName=self.INPUT,
            defaultValue="region_code"),
            "Field identifying the units (codes or names); unique per year.")
        self.add(QgsProcessingParameterField(
            self.YEAR_FIELD, "Year field", parentLayerParameterName=self.INPUT,
            defaultValue="year"),
            "Field holding the year; transitions run between consecutive years.")
        self.add(QgsProcessingParameterNumber(self.K_CLASSES, "Classes (k)",
                                              QgsProcessingParameterNumber.Integer,
                                              defaultValue=5, minValue=2, maxValue=10),
                 "Number of value classes (5, giddy's example).")
        self.add(QgsProcessingParameterNumber(self.M_CLASSES, "Lag classes (m)",
                                              QgsProcessingParameterNumber.Integer,
                                              optional=True, minValue=2, maxValue=10),
                 "Number of lag classes (default: k).", advanced=True)
        self.add(QgsProcessingParameterEnum(self.SCHEME, "Classes", options=self.SCHEMES,
                                            defaultValue=0),
                 "quantiles (giddy) or fisher_jenks (exact natural breaks, the study's legend).")
        self.add(QgsProcessingParameterEnum(self.LAG_SCHEME, "Lag classes",
                                            options=self.LAG_SCHEMES, defaultValue=0),
                 "Scheme of the lag classes; 'same' uses the value classes for the lags.",
                 advanced=True)
        add_weights_parameters(self, permutations=False)
        self.add(QgsProcessingParameterFeatureSink(
            self.OUTPUT, "Transition matrices", QgsProcessing.TypeVector),
            "CSV: conditioning (pooled / lag class j), from_class, to_class, count, probability.")
        self.add(QgsProcessingParameterFeatureSink(
            self.OUTPUT_STEADY, "Steady states", QgsProcessing.TypeVector, optional=True),
            "CSV: limiting distribution of each matrix (one per closed class if reducible).")
        self.add(QgsProcessingParameterFeatureSink(
            self.OUTPUT_CLASSES, "Class bounds", QgsProcessing.TypeVector, optional=True),
            "CSV: lower and upper bound of every value and lag class.")
        self.addOutput(QgsProcessingOutputNumber("Q", "Homogeneity Q"))
        self.addOutput(QgsProcessingOutputNumber("LR", "Homogeneity LR"))
        self.addOutput(QgsProcessingOutputNumber("DOF", "Degrees of freedom"))

    def prepare(self, parameters, context, feedback):
        winputs, params = weights_parameters(self, parameters, context)
        inputs = {"input": self.source_path(parameters, self.INPUT, context, feedback), **winputs}
        m = parameters.get(self.M_CLASSES)
        lag = self.LAG_SCHEMES[self.parameterAsEnum(parameters, self.LAG_SCHEME, context)]
        params.update({
            "field": field_or_none(self, parameters, self.FIELD, context),
            "id_field": field_or_none(self, parameters, self.ID_FIELD, context),
            "year_field": field_or_none(self, parameters, self.YEAR_FIELD, context),
            "k_classes": self.parameterAsInt(parameters, self.K_CLASSES, context),
            "m_classes": self.parameterAsInt(parameters, self.M_CLASSES, context)
            if m not in (None, "") else None,
            "scheme": self.SCHEMES[self.parameterAsEnum(parameters, self.SCHEME, context)],
            "lag_scheme": None if lag.startswith("as ") else lag,
        })
        outputs = {}
        for key in (self.OUTPUT, self.OUTPUT_STEADY, self.OUTPUT_CLASSES):
            path = self.table_output(parameters, key, context)
            if path:
                outputs[key] = path
        return inputs, params, outputs
