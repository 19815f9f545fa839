"""Local Moran's I (LISA) with GeoDa cluster codes and colours."""

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterVectorDestination,
)

from ..base import SpatialCarbonAlgorithm
from ._common import GROUP_SPATIAL, add_weights_parameters, field_or_none, weights_parameters


class Lisa(SpatialCarbonAlgorithm):
    INPUT = "INPUT"
    FIELD = "FIELD"
    ID_FIELD = "ID_FIELD"
    YEAR_FIELD = "YEAR_FIELD"
    ALPHA = "ALPHA"
    CLUSTER_ON = "CLUSTER_ON"
    INFERENCE = "INFERENCE"
    OUTPUT = "OUTPUT"

    CLUSTER_RULES = ["p", "fdr", "bonferroni"]
    INFERENCES = ["permutation", "analytic"]

    NAME = "lisa"
    DISPLAY = "Local Moran's I (LISA clusters)"
    GROUP, GROUP_ID = GROUP_SPATIAL
    STEP = "lisa"
    ICON = "lisa.svg"
    HELP = (
        "<p>Local indicators of spatial association (Anselin 1995, Geographical Analysis "
        "27:93-115): I<sub>i</sub> = (n-1) z<sub>i</sub> &Sigma;<sub>j</sub> w<sub>ij</sub> "
        "z<sub>j</sub> / &Sigma;<sub>j</sub> z<sub>j</sub><sup>2</sup>, pseudo p-values by "
        "conditional randomisation with a seed (reproducible), and GeoDa's cluster codes: "
        "0 not significant, 1 High-High, 2 Low-Low, 3 Low-High, 4 High-Low, 5 undefined, "
        "6 isolated. Besides the raw p &le; alpha (GeoDa's map) the output flags "
        "Benjamini-Hochberg FDR and Bonferroni significance. The layer loads with GeoDa's "
        "LISA colours.</p>"
        "<p>Core: <code>spatial_carbon.spatial.autocorr.local_moran</code>, weights "
        "<code>spatial_carbon.spatial.weights.build</code>.</p>"
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(QgsProcessingParameterFeatureSource(
            self.INPUT, "Input layer", [QgsProcessing.TypeVectorPolygon]),
            "Polygons (e.g. provinces) with the variable; a long layer (one feature per "
            "region and year) needs the Year field.")
        self.add(QgsProcessingParameterField(
            self.FIELD, "Field", parentLayerParameterName=self.INPUT,
            type=QgsProcessingParameterField.Numeric),
            "Numeric field to analyse (e.g. ICF_size).")
        self.add(QgsProcessingParameterField(
            self.ID_FIELD, "Region id field", parentLayerParameterName=self.INPUT,
            defaultValue="region_code"),
            "Field identifying the units (codes or names); unique per year.")
        self.add(QgsProcessingParameterField(
            self.YEAR_FIELD, "Year field", parentLayerParameterName=self.INPUT, optional=True),
            "If set, LISA per year (one feature per region and year in the output).")
        add_weights_parameters(self)
        self.add(QgsProcessingParameterNumber(self.ALPHA, "Significance level",
                                              QgsProcessingParameterNumber.Double,
                                              defaultValue=0.05, minValue=0.0001, maxValue=0.5),
                 "alpha for the cluster map (0.05).")
        self.add(QgsProcessingParameterEnum(self.CLUSTER_ON, "Cluster map significance",
                                            options=self.CLUSTER_RULES, defaultValue=0),
                 "p: raw pseudo p <= alpha (GeoDa); fdr: Benjamini-Hochberg; bonferroni: "
                 "p <= alpha/n.", advanced=True)
        self.add(QgsProcessingParameterEnum(self.INFERENCE, "p-value deciding the cluster",
                                            options=self.INFERENCES, defaultValue=0),
                 "permutation: the pseudo p (GeoDa); analytic: E[I_i], Var[I_i] under "
                 "randomisation as R spdep's localmoran. Both are in the output; the field "
                 "cluster_basis says which decided.", advanced=True)
        self.add(QgsProcessingParameterVectorDestination(
            self.OUTPUT, "LISA clusters", QgsProcessing.TypeVectorPolygon),
            "GeoPackage with I, z, lag, quadrant, p_sim, significance flags and cluster "
            "(GeoDa codes), styled with GeoDa's LISA colours.")

    def prepare(self, parameters, context, feedback):
        winputs, params = weights_parameters(self, parameters, context)
        inputs = {"input": self.source_path(parameters, self.INPUT, context, feedback),
                  **winputs}
        params.update({
            "field": field_or_none(self, parameters, self.FIELD, context),
            "id_field": field_or_none(self, parameters, self.ID_FIELD, context),
            "year_field": field_or_none(self, parameters, self.YEAR_FIELD, context),
            "alpha": self.parameterAsDouble(parameters, self.ALPHA, context),
            "cluster_on": self.CLUSTER_RULES[self.parameterAsEnum(parameters, self.CLUSTER_ON,
                                                                   context)],
            "inference": self.INFERENCES[self.parameterAsEnum(parameters, self.INFERENCE, context)],
        })
        outputs = {self.OUTPUT: self.vector_output(self, parameters, self.OUTPUT, context)}
        return inputs, params, outputs
