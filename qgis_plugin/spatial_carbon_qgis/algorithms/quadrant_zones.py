"""Quadrant mitigation zones from footprint size and depth."""

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterVectorDestination,
)

from ..base import SpatialCarbonAlgorithm
from ._common import GROUP_FOOTPRINT, field_or_none


class QuadrantZones(SpatialCarbonAlgorithm):
    INPUT = "INPUT"
    SIZE_FIELD = "SIZE_FIELD"
    DEPTH_FIELD = "DEPTH_FIELD"
    YEAR_FIELD = "YEAR_FIELD"
    OUTPUT = "OUTPUT"

    NAME = "quadrant_zones"
    DISPLAY = "Quadrant mitigation zones"
    GROUP, GROUP_ID = GROUP_FOOTPRINT
    STEP = "quadrant_zones"
    ICON = "zones.svg"
    HELP = (
        "<p>Standardises footprint size and depth within each year (z-scores, population "
        "standard deviation) and assigns each region to a quadrant: I core mitigation zone "
        "(high size, high depth), II critical zone (low size, high depth), III observation "
        "zone (low size, low depth), IV buffer zone (high size, low depth); z = 0 counts as "
        "high. Zone definitions after Chen Mingxing et al. (2009) as used by "
        "the seed study. The output loads with the zone colours of spatial_carbon's maps.</p>"
        "<p>Core: <code>spatial_carbon.footprint.zones.quadrants</code>.</p>"
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(QgsProcessingParameterFeatureSource(
            self.INPUT, "Footprint layer", [QgsProcessing.TypeVectorPolygon]),
            "Polygons with footprint size and depth, e.g. the footprint layer of the "
            "'Three-dimensional carbon footprint' tool (one feature per region-year).")
        self.add(QgsProcessingParameterField(
            self.SIZE_FIELD, "Size field", parentLayerParameterName=self.INPUT,
            type=QgsProcessingParameterField.Numeric, defaultValue="ICF_size"),
            "Footprint size (x axis); ICF_size_pc is a common alternative.")
        self.add(QgsProcessingParameterField(
            self.DEPTH_FIELD, "Depth field", parentLayerParameterName=self.INPUT,
            type=QgsProcessingParameterField.Numeric, defaultValue="ICF_depth"),
            "Footprint depth (y axis).")
        self.add(QgsProcessingParameterField(
            self.YEAR_FIELD, "Year field", parentLayerParameterName=self.INPUT,
            defaultValue="year", optional=True),
            "Standardise within each value of this field; empty: all features together.")
        self.add(QgsProcessingParameterVectorDestination(
            self.OUTPUT, "Zones", QgsProcessing.TypeVectorPolygon),
            "GeoPackage with z_<size>, z_<depth>, zone (I-IV) and zone_name, styled by zone.")

    def prepare(self, parameters, context, feedback):
        inputs = {"input": self.source_path(parameters, self.INPUT, context, feedback)}
        params = {"size": field_or_none(self, parameters, self.SIZE_FIELD, context),
                  "depth": field_or_none(self, parameters, self.DEPTH_FIELD, context),
                  "year_field": field_or_none(self, parameters, self.YEAR_FIELD, context)}
        outputs = {self.OUTPUT: self.vector_output(self, parameters, self.OUTPUT, context)}
        return inputs, params, outputs
