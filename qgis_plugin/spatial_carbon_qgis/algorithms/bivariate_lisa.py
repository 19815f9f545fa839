"""Bivariate LISA (GeoDa): a field at each region with its neighbours' other field."""

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterVectorDestination,
)

from ..base import SpatialCarbonAlgorithm
from ._common import (
    GROUP_SPATIAL, add_alpha_cluster_parameters, add_id_year_parameters, add_weights_parameters,
    alpha_cluster_parameters, field_or_none, id_year_parameters, weights_parameters,
)


class BivariateLisa(SpatialCarbonAlgorithm):
    INPUT = "INPUT"
    FIELD = "FIELD"
    WITH_FIELD = "WITH_FIELD"
    ID_FIELD = "ID_FIELD"
    YEAR_FIELD = "YEAR_FIELD"
    OUTPUT = "OUTPUT"

    NAME = "bivariate_lisa"
    DISPLAY = "Bivariate LISA (x with neighbours' y)"
    GROUP, GROUP_ID = GROUP_SPATIAL
    STEP = "bivariate_lisa"
    ICON = "lisa.svg"
    HELP = (
        "<p>GeoDa's bivariate local Moran: I<sub>i</sub> = z<sub>x,i</sub> &Sigma;<sub>j</sub> "
        "w<sub>ij</sub> z<sub>y,j</sub> (standardised values; e.g. footprint size at a region "
        "with its neighbours' depth), pseudo p-values by seeded conditional randomisation "
        "(x<sub>i</sub> fixed, the neighbours' y drawn from the other regions), FDR and "
        "Bonferroni flags and GeoDa's cluster codes (1 High-High, 2 Low-Low, 3 Low-High, "
        "4 High-Low). The layer loads with GeoDa's LISA colours.</p>"
        "<p>Core: <code>spatial_carbon.spatial.autocorr.local_moran(with_column=...)</code>.</p>"
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(QgsProcessingParameterFeatureSource(
            self.INPUT, "Input layer", [QgsProcessing.TypeVectorPolygon]),
            "Polygons with both variables; a long layer needs the Year field.")
        self.add(QgsProcessingParameterField(
            self.FIELD, "Field x (at the region)", parentLayerParameterName=self.INPUT,
            type=QgsProcessingParameterField.Numeric),
            "Variable at each region (e.g. ICF_size).")
        self.add(QgsProcessingParameterField(
            self.WITH_FIELD, "Field y (of the neighbours)", parentLayerParameterName=self.INPUT,
            type=QgsProcessingParameterField.Numeric),
            "Variable whose spatial lag is compared (e.g. ICF_depth).")
        add_id_year_parameters(self, "If set, one bivariate LISA per year.")
        add_weights_parameters(self)
        add_alpha_cluster_parameters(self, "the cluster map")
        self.add(QgsProcessingParameterVectorDestination(
            self.OUTPUT, "Bivariate LISA clusters", QgsProcessing.TypeVectorPolygon),
            "GeoPackage with I, z (of x), lag_with (of y), quadrant, p_sim, flags and cluster.")

    def prepare(self, parameters, context, feedback):
        winputs, params = weights_parameters(self, parameters, context)
        inputs = {"input": self.source_path(parameters, self.INPUT, context, feedback), **winputs}
        params.update(alpha_cluster_parameters(self, parameters, context))
        params.update(id_year_parameters(self, parameters, context))
        params.update({
            "field": field_or_none(self, parameters, self.FIELD, context),
            "with_field": field_or_none(self, parameters, self.WITH_FIELD, context),
        })
        outputs = {self.OUTPUT: self.vector_output(self, parameters, self.OUTPUT, context)}
        return inputs, params, outputs
