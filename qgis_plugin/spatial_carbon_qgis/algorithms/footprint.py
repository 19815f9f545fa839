"""Three-dimensional industrial carbon footprint (ICF, CEC, deficit, size, depth)."""

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterVectorDestination,
)

from ..base import SpatialCarbonAlgorithm
from ._common import GROUP_FOOTPRINT, file_or_none


class Footprint(SpatialCarbonAlgorithm):
    ICE = "ICE"
    SINKS = "SINKS"
    POPULATION = "POPULATION"
    SHARES = "SHARES"
    BASIS = "BASIS"
    BOUNDARIES = "BOUNDARIES"
    BOUNDARY_ID = "BOUNDARY_ID"
    OUTPUT = "OUTPUT"
    OUTPUT_LAYER = "OUTPUT_LAYER"

    SHARE_CHOICES = ["national", "regional"]
    BASES = ["CO2", "C"]

    NAME = "footprint"
    DISPLAY = "Three-dimensional carbon footprint"
    GROUP, GROUP_ID = GROUP_FOOTPRINT
    STEP = "footprint"
    ICON = "footprint.svg"
    HELP = (
        "<p>Industrial carbon footprint ICF = ICE / D and ecological carrying capacity "
        "CEC = CS / D (hm<sup>2</sup>), with D = &Sigma;<sub>i</sub> NEP<sub>i</sub> &middot; "
        "P<sub>i</sub> (t hm<sup>-2</sup> a<sup>-1</sup>): NEP the absorption rates of forest "
        "and grassland (Xie et al. 2008) and P their shares in carbon absorption. Deficit "
        "ICD = max(ICF - CEC, 0), surplus ICS = max(CEC - ICF, 0), footprint size "
        "ICF_size = min(ICF, CEC), depth ICF_depth = 1 + ICD / CEC (the three-dimensional "
        "footprint of Niccolucci et al. 2009, Ecological Modelling 220:2684-2690). "
        "Per-capita columns (ICF_pc, CEC_pc, ICF_size_pc, hm<sup>2</sup> per person) when a "
        "population table is given.</p>"
        "<p>Core: <code>spatial_carbon.footprint.compute</code> (docs/footprint.md).</p>"
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(QgsProcessingParameterFeatureSource(self.ICE, "Industrial emissions table", [QgsProcessing.TypeVector]),
                 "CSV region, year and one emissions column naming gas and unit (CO2_t, "
                 "CO2_Mt, C_t ...), e.g. the output of the CEADs or fuel-use tool.")
        self.add(QgsProcessingParameterFeatureSource(self.SINKS, "Carbon sinks table", [QgsProcessing.TypeVector]),
                 "Output of 'Carbon sinks from class areas' (CS and CS_<class> per region-year).")
        self.add(QgsProcessingParameterFile(self.POPULATION, "Population table",
                                            extension="csv", optional=True),
                 "Optional yearbook population CSV (the bundled one is data/population/...); "
                 "adds per-capita columns.")
        self.add(QgsProcessingParameterEnum(self.SHARES, "Absorption shares",
                                            options=self.SHARE_CHOICES, defaultValue=0),
                 "national: shares of forest/grassland in the national sink of each year (the "
                 "seed study); regional: each region's own shares.", advanced=True)
        self.add(QgsProcessingParameterEnum(self.BASIS, "Gas basis", options=self.BASES,
                                            defaultValue=0),
                 "CO2: ICE in t CO2 divided by the rates (as the seed study); C: ICE converted "
                 "to carbon first (x 12/44).", advanced=True)
        self.add(QgsProcessingParameterFeatureSource(
            self.BOUNDARIES, "Boundaries (for a map layer)", [QgsProcessing.TypeVectorPolygon],
            optional=True),
            "Optional region polygons; gives a GeoPackage with one feature per region-year "
            "(use the year field to filter or animate).")
        self.add(QgsProcessingParameterField(
            self.BOUNDARY_ID, "Region field of the boundaries",
            parentLayerParameterName=self.BOUNDARIES, defaultValue="region_code", optional=True),
            "Field with region codes or names (any spelling known to spatial_carbon).")
        self.add(QgsProcessingParameterFeatureSink(self.OUTPUT, "Footprint table", QgsProcessing.TypeVector),
                 "CSV region_code, region, year, ICE, CS, ICF, CEC, ICD, ICS, ICF_size, "
                 "ICF_depth, shares P_<class>, D_t_per_hm2_a (D = sum NEP_i P_i), basis (areas in hm2).")
        self.add(QgsProcessingParameterVectorDestination(
            self.OUTPUT_LAYER, "Footprint layer", QgsProcessing.TypeVectorPolygon,
            optional=True, createByDefault=False),
            "GeoPackage of the footprint joined to the boundaries (needs Boundaries).")

    def prepare(self, parameters, context, feedback):
        inputs = {"ice": self.table_input(parameters, self.ICE, context, feedback),
                  "sinks": self.table_input(parameters, self.SINKS, context, feedback),
                  "population": file_or_none(self, parameters, self.POPULATION, context)}
        outputs = {self.OUTPUT: self.table_output(parameters, self.OUTPUT, context)}
        params = {
            "shares": self.SHARE_CHOICES[self.parameterAsEnum(parameters, self.SHARES, context)],
            "basis": self.BASES[self.parameterAsEnum(parameters, self.BASIS, context)],
        }
        if parameters.get(self.BOUNDARIES) not in (None, ""):
            inputs["boundaries"] = self.source_path(parameters, self.BOUNDARIES, context,
                                                    feedback)
            fields = self.parameterAsFields(parameters, self.BOUNDARY_ID, context)
            params["boundary_id"] = fields[0] if fields else "region_code"
            layer_out = self.parameterAsOutputLayer(parameters, self.OUTPUT_LAYER, context)
            if layer_out:
                outputs[self.OUTPUT_LAYER] = self.vector_output(
                    self, parameters, self.OUTPUT_LAYER, context)
        return inputs, params, outputs
