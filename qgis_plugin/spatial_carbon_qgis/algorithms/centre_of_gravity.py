"""Centre of gravity per year, its trajectory and standard deviational ellipses."""

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterVectorDestination,
)

from ..base import SpatialCarbonAlgorithm
from ._common import GROUP_SPATIAL, field_or_none


class CentreOfGravity(SpatialCarbonAlgorithm):
    INPUT = "INPUT"
    FIELD = "FIELD"
    ID_FIELD = "ID_FIELD"
    YEAR_FIELD = "YEAR_FIELD"
    POINTS = "POINTS"
    POINT_ZONE = "POINT_ZONE"
    POINT_WEIGHT = "POINT_WEIGHT"
    OUTPUT_POINTS = "OUTPUT_POINTS"
    OUTPUT_ELLIPSES = "OUTPUT_ELLIPSES"
    OUTPUT_TRAJECTORY = "OUTPUT_TRAJECTORY"

    NAME = "centre_of_gravity"
    DISPLAY = "Centre of gravity and standard deviational ellipse"
    GROUP, GROUP_ID = GROUP_SPATIAL
    STEP = "centre"
    ICON = "lisa.svg"
    HELP = (
        "<p>Per year, the weighted mean centre (centre of gravity, 重心) of a field over the "
        "regions' centroids on an equal-area projection (China Albers 25/47 N, 105 E for "
        "Chinese regions), or over population-weighted points; the distance (km, geodesic) "
        "and bearing of its move between consecutive years; and ArcGIS's standard "
        "deviational ellipse (Directional Distribution; 标准差椭圆) at 1, 2 and 3 standard "
        "deviations: centre, semi-axes, rotation of the long axis clockwise from north, "
        "area. Outputs a point layer (centres) and a polygon layer (ellipses), optionally "
        "the trajectory as lines.</p>"
        "<p>Core: <code>spatial_carbon.spatial.centrography.mean_centre</code>.</p>"
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(QgsProcessingParameterFeatureSource(
            self.INPUT, "Input layer", [QgsProcessing.TypeVectorPolygon]),
            "Polygons with the weight field; a long layer (one feature per region and year) "
            "needs the Year field.")
        self.add(QgsProcessingParameterField(
            self.FIELD, "Weight field", parentLayerParameterName=self.INPUT,
            type=QgsProcessingParameterField.Numeric),
            "Non-negative field weighting the centre (e.g. ICE in t CO2).")
        self.add(QgsProcessingParameterField(
            self.ID_FIELD, "Region id field", parentLayerParameterName=self.INPUT,
            defaultValue="region_code"),
            "Field identifying the regions; unique per year.")
        self.add(QgsProcessingParameterField(
            self.YEAR_FIELD, "Year field", parentLayerParameterName=self.INPUT, optional=True),
            "If set, one centre and ellipse per year and the trajectory between years.")
        self.add(QgsProcessingParameterFeatureSource(
            self.POINTS, "Population points", [QgsProcessing.TypeVectorPoint], optional=True),
            "Optional points (e.g. towns) sharing each region's value by their weight.",
            advanced=True)
        self.add(QgsProcessingParameterField(
            self.POINT_ZONE, "Points' region id field", parentLayerParameterName=self.POINTS,
            optional=True), "Field of the points holding their region's id.", advanced=True)
        self.add(QgsProcessingParameterField(
            self.POINT_WEIGHT, "Points' weight field", parentLayerParameterName=self.POINTS,
            type=QgsProcessingParameterField.Numeric, optional=True),
            "Field of the points with their weight (e.g. population).", advanced=True)
        self.add(QgsProcessingParameterVectorDestination(
            self.OUTPUT_POINTS, "Centres", QgsProcessing.TypeVectorPoint),
            "GeoPackage point layer: one centre per year with distance, bearing and ellipse "
            "parameters.")
        self.add(QgsProcessingParameterVectorDestination(
            self.OUTPUT_ELLIPSES, "Standard deviational ellipses", QgsProcessing.TypeVectorPolygon),
            "GeoPackage polygon layer: ellipses at 1, 2 and 3 SD per year (field sd).")
        self.add(QgsProcessingParameterVectorDestination(
            self.OUTPUT_TRAJECTORY, "Trajectory", QgsProcessing.TypeVectorLine, optional=True,
            createByDefault=False),
            "GeoPackage line layer: one segment per consecutive year pair.")
        self.addOutput(QgsProcessingOutputNumber("PATH_KM", "Trajectory length (km)"))

    def prepare(self, parameters, context, feedback):
        inputs = {"input": self.source_path(parameters, self.INPUT, context, feedback)}
        if parameters.get(self.POINTS):
            inputs["points"] = self.source_path(parameters, self.POINTS, context, feedback)
        params = {
            "field": field_or_none(self, parameters, self.FIELD, context),
            "id_field": field_or_none(self, parameters, self.ID_FIELD, context),
            "year_field": field_or_none(self, parameters, self.YEAR_FIELD, context),
            "point_zone": field_or_none(self, parameters, self.POINT_ZONE, context),
            "point_weight": field_or_none(self, parameters, self.POINT_WEIGHT, context),
        }
        outputs = {k: self.vector_output(self, parameters, k, context)
                   for k in (self.OUTPUT_POINTS, self.OUTPUT_ELLIPSES)}
        traj = self.parameterAsOutputLayer(parameters, self.OUTPUT_TRAJECTORY, context)
        if traj:
            outputs[self.OUTPUT_TRAJECTORY] = self.vector_output(
                self, parameters, self.OUTPUT_TRAJECTORY, context)
        return inputs, params, outputs
