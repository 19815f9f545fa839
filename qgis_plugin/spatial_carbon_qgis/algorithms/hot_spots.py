"""Getis-Ord G* / G hot spots (ArcGIS Gi_Bin colours, GeoDa cluster codes)."""

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterVectorDestination,
)

from ..base import SpatialCarbonAlgorithm
from ._common import (
    GROUP_SPATIAL, add_alpha_cluster_parameters, add_id_year_parameters, add_weights_parameters,
    alpha_cluster_parameters, field_or_none, id_year_parameters, weights_parameters,
)


class HotSpots(SpatialCarbonAlgorithm):
    INPUT = "INPUT"
    FIELD = "FIELD"
    ID_FIELD = "ID_FIELD"
    YEAR_FIELD = "YEAR_FIELD"
    STAR = "STAR"
    BINS_FDR = "BINS_FDR"
    OUTPUT = "OUTPUT"

    NAME = "hot_spots"
    DISPLAY = "Hot spots (Getis-Ord Gi*)"
    GROUP, GROUP_ID = GROUP_SPATIAL
    STEP = "hotspots"
    ICON = "lisa.svg"
    HELP = (
        "<p>Getis-Ord local G* (or G) per region and year (Getis &amp; Ord 1992; Ord &amp; "
        "Getis 1995): G*<sub>i</sub> = &Sigma;<sub>j</sub> w<sub>ij</sub> x<sub>j</sub> / "
        "&Sigma;<sub>j</sub> x<sub>j</sub>, its analytic z-score (as ArcGIS's Hot Spot "
        "Analysis and R spdep's localG), ArcGIS's confidence bins Gi_Bin (-3..3: cold or hot "
        "spot at 99/95/90 %), a seeded conditional-randomisation pseudo p (as GeoDa), FDR and "
        "Bonferroni flags and GeoDa's G cluster codes (0 not significant, 1 high, 2 low, "
        "3 undefined, 4 isolated). The layer loads in ArcGIS's hot-spot colours; GeoDa's "
        "cluster map is stored as a second style.</p>"
        "<p>Core: <code>spatial_carbon.spatial.hotspots.local_g</code>.</p>"
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(QgsProcessingParameterFeatureSource(
            self.INPUT, "Input layer", [QgsProcessing.TypeVectorPolygon]),
            "Polygons with the variable; a long layer (one feature per region and year) needs "
            "the Year field.")
        self.add(QgsProcessingParameterField(
            self.FIELD, "Field", parentLayerParameterName=self.INPUT,
            type=QgsProcessingParameterField.Numeric),
            "Numeric field (e.g. ICF_size); G is a share, so values should be non-negative.")
        add_id_year_parameters(self, "If set, hot spots per year (one feature per region and year in the output).")
        self.add(QgsProcessingParameterBoolean(self.STAR, "G* (include the region itself)",
                                               defaultValue=True),
                 "G* as ArcGIS's Hot Spot Analysis (default); unticked: G (neighbours only).")
        add_weights_parameters(self)
        add_alpha_cluster_parameters(self, "GeoDa's cluster codes")
        self.add(QgsProcessingParameterBoolean(self.BINS_FDR, "FDR-correct Gi_Bin",
                                               defaultValue=False),
                 "ArcGIS's 'Apply False Discovery Rate (FDR) Correction' for the bins.",
                 advanced=True)
        self.add(QgsProcessingParameterVectorDestination(
            self.OUTPUT, "Hot spots", QgsProcessing.TypeVectorPolygon),
            "GeoPackage with G, E[G], gi_z, gi_p, gi_bin, p_sim, flags and g_cluster, styled in "
            "ArcGIS's hot-spot colours.")

    def prepare(self, parameters, context, feedback):
        winputs, params = weights_parameters(self, parameters, context)
        inputs = {"input": self.source_path(parameters, self.INPUT, context, feedback), **winputs}
        params.update(alpha_cluster_parameters(self, parameters, context))
        params.update(id_year_parameters(self, parameters, context))
        params.update({
            "field": field_or_none(self, parameters, self.FIELD, context),
            "star": self.parameterAsBool(parameters, self.STAR, context),
            "bins_fdr": self.parameterAsBool(parameters, self.BINS_FDR, context),
        })
        outputs = {self.OUTPUT: self.vector_output(self, parameters, self.OUTPUT, context)}
        return inputs, params, outputs
