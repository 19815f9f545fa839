"""Land-cover class areas per zone and year from rasters (progress and cancel)."""

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ..base import SpatialCarbonAlgorithm
from ._common import GROUP_SINKS, file_or_none


class ClassAreas(SpatialCarbonAlgorithm):
    RASTERS = "RASTERS"
    YEARS = "YEARS"
    ZONES = "ZONES"
    ZONE_FIELD = "ZONE_FIELD"
    LEGEND = "LEGEND"
    LEGEND_CSV = "LEGEND_CSV"
    PIXEL_RULE = "PIXEL_RULE"
    WORKERS = "WORKERS"
    OUTPUT = "OUTPUT"

    LEGENDS = ["clcd", "modis_igbp", "esa_worldcover", "globeland30"]
    PIXEL_RULES = ["centre", "all_touched", "fraction"]

    NAME = "class_areas"
    DISPLAY = "Land-cover class areas per zone"
    GROUP, GROUP_ID = GROUP_SINKS
    STEP = "class_areas"
    ICON = "landcover.svg"
    HELP = (
        "<p>Area (hm<sup>2</sup>) of every land-cover class in every zone (province, city, "
        "county) and year, streamed window by window from national rasters such as the 30 m "
        "CLCD (Yang &amp; Huang 2021, Earth System Science Data 13:3907-3925; codes 1 cropland, "
        "2 forest, 3 shrub, 4 grassland, 5 water, 6 snow/ice, 7 barren, 8 impervious, "
        "9 wetland). A pixel belongs to the zone holding its centre (as QGIS zonal "
        "statistics); its area is the exact ellipsoidal (WGS 84) area of the cell in a "
        "geographic CRS, or the nominal area in an equal-area projection. Zones in another "
        "CRS are reprojected to the raster's CRS; the raster is never resampled. The tool "
        "reports progress and can be cancelled.</p>"
        "<p>Core: <code>spatial_carbon.landcover.class_areas</code> (docs/landcover.md).</p>"
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(QgsProcessingParameterMultipleLayers(
            self.RASTERS, "Land-cover rasters", QgsProcessing.TypeRaster),
            "One raster per year (or several tiles of one year). The year is read from each "
            "file name unless Years is given.")
        self.add(QgsProcessingParameterString(self.YEARS, "Years", optional=True),
                 "Comma-separated years, one per raster in list order (e.g. 2000,2010,2019); "
                 "empty: the 4-digit year in each file name.")
        self.add(QgsProcessingParameterFeatureSource(
            self.ZONES, "Zones", [QgsProcessing.TypeVectorPolygon]),
            "Polygons of the zones (e.g. provinces), in any CRS.")
        self.add(QgsProcessingParameterField(
            self.ZONE_FIELD, "Zone field", parentLayerParameterName=self.ZONES,
            defaultValue="region_code"),
            "Field naming the zones; features sharing a value form one zone.")
        self.add(QgsProcessingParameterEnum(self.LEGEND, "Legend", options=self.LEGENDS,
                                            defaultValue=0),
                 "Legend of the raster codes: clcd (CLCD 1-9), modis_igbp (MCD12 type 1), "
                 "esa_worldcover (10-100) or globeland30.")
        self.add(QgsProcessingParameterFile(self.LEGEND_CSV, "Own legend", extension="csv",
                                            optional=True),
                 "CSV value, class_name, sink_class replacing the legend above.", advanced=True)
        self.add(QgsProcessingParameterEnum(self.PIXEL_RULE, "Pixel rule",
                                            options=self.PIXEL_RULES, defaultValue=0),
                 "centre: pixel centre in the zone (default); all_touched: every touched pixel; "
                 "fraction: share of the pixel inside the zone (for zones of few pixels).",
                 advanced=True)
        self.add(QgsProcessingParameterNumber(self.WORKERS, "Worker processes",
                                              QgsProcessingParameterNumber.Integer,
                                              defaultValue=0, minValue=0, maxValue=256),
                 "Processes used for the raster windows; 0 = all cores.", advanced=True)
        self.add(QgsProcessingParameterFeatureSink(self.OUTPUT, "Class areas", QgsProcessing.TypeVector),
                 "CSV zone, year, class, class_name, sink_class, pixels, area_hm2.")

    def prepare(self, parameters, context, feedback):
        layers = self.parameterAsLayerList(parameters, self.RASTERS, context)
        if not layers:
            raise QgsProcessingException("give at least one land-cover raster")
        rasters = [lyr.source().split("|")[0] for lyr in layers]
        text = self.parameterAsString(parameters, self.YEARS, context).strip()
        try:
            years = [int(y) for y in text.replace(";", ",").split(",") if y.strip()]
        except ValueError:
            raise QgsProcessingException(
                "Years must be comma-separated whole years such as 2000,2010,2019, got %r" % text)
        zones = self.source_path(parameters, self.ZONES, context, feedback)
        fields = self.parameterAsFields(parameters, self.ZONE_FIELD, context)
        inputs = {"rasters": rasters, "zones": zones,
                  "legend_csv": file_or_none(self, parameters, self.LEGEND_CSV, context)}
        params = {
            "years": years, "zone_field": fields[0] if fields else "region_code",
            "legend": self.LEGENDS[self.parameterAsEnum(parameters, self.LEGEND, context)],
            "pixel_rule": self.PIXEL_RULES[self.parameterAsEnum(parameters, self.PIXEL_RULE,
                                                                 context)],
            "workers": self.parameterAsInt(parameters, self.WORKERS, context) or None,
        }
        outputs = {self.OUTPUT: self.table_output(parameters, self.OUTPUT, context)}
        return inputs, params, outputs
