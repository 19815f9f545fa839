"""Carbon embodied in provinces' foreign and inter-provincial trade (single-region IO tables)."""

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterVectorDestination,
)

from ..base import SpatialCarbonAlgorithm
from ._common import GROUP_IO


class IoTradeCarbon(SpatialCarbonAlgorithm):
    TABLES = "TABLES"
    EMISSIONS = "EMISSIONS"
    TREATMENT = "TREATMENT"
    BOUNDARIES = "BOUNDARIES"
    BOUNDARY_ID = "BOUNDARY_ID"
    OUTPUT = "OUTPUT"
    OUTPUT_SECTORS = "OUTPUT_SECTORS"
    OUTPUT_LAYER = "OUTPUT_LAYER"

    TREATMENTS = ["net_outflow", "domestic_share", "all_uses"]

    NAME = "io_trade_carbon"
    DISPLAY = "Embodied carbon in trade (provincial IO tables)"
    GROUP, GROUP_ID = GROUP_IO
    STEP = "io_trade_carbon"
    ICON = "io.svg"
    HELP = (
        "<p>Carbon embodied in each province's exports CE = d(I-A)<sup>-1</sup>E, outflows "
        "CEP, imports CM and inflows CMP from its single-region competitive-import table "
        "X = AX + Y + E + EP - M - MP (Leontief 1970; Miller &amp; Blair 2009), with direct "
        "intensities d = emissions / output per sector; net carbon N = CE - CM, NP = CEP - "
        "CMP, T = N + NP, carbon terms of trade CTT and CTTp, sector comparative "
        "coefficients, and the province type I-IV (signs of N and NP). Imports valued with "
        "the province's own multipliers (technology homogeneity), inflows with national "
        "average multipliers.</p>"
        "<p>Core: <code>spatial_carbon.inputoutput.province_intensities</code> and "
        "<code>trade_carbon</code> (docs/io.md).</p>"
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(QgsProcessingParameterFeatureSource(self.TABLES, "Provincial IO tables", [QgsProcessing.TypeVector]),
                 "Stacked CSV: region, sector, one column per sector (intermediate flows), "
                 "final_use, export, outflow, import, inflow, output (same monetary unit).")
        self.add(QgsProcessingParameterFeatureSource(self.EMISSIONS, "Sector emissions", [QgsProcessing.TypeVector]),
                 "CSV region, sector, emissions (e.g. t CO2) for the direct intensities.")
        self.add(QgsProcessingParameterEnum(self.TREATMENT, "Treatment of imports",
                                            options=self.TREATMENTS, defaultValue=0),
                 "net_outflow (seed 002, default): competitive A; domestic_share: intermediate "
                 "and final use scaled by the domestic share; all_uses: every use scaled.",
                 advanced=True)
        self.add(QgsProcessingParameterFeatureSource(
            self.BOUNDARIES, "Boundaries (for a map layer)", [QgsProcessing.TypeVectorPolygon],
            optional=True),
            "Optional province polygons; gives a GeoPackage with the per-province results.")
        self.add(QgsProcessingParameterField(
            self.BOUNDARY_ID, "Region field of the boundaries",
            parentLayerParameterName=self.BOUNDARIES, defaultValue="region_code", optional=True),
            "Field with region codes or names.")
        self.add(QgsProcessingParameterFeatureSink(self.OUTPUT, "Trade carbon by province", QgsProcessing.TypeVector),
                 "CSV region, CE, CM, CEP, CMP, N, NP, T, CTT, CTTp, type.")
        self.add(QgsProcessingParameterFeatureSink(
            self.OUTPUT_SECTORS, "Trade carbon by sector", QgsProcessing.TypeVector, optional=True,
            createByDefault=False),
            "Optional CSV with the sector detail (ECC, PECC).")
        self.add(QgsProcessingParameterVectorDestination(
            self.OUTPUT_LAYER, "Trade carbon layer", QgsProcessing.TypeVectorPolygon,
            optional=True, createByDefault=False),
            "GeoPackage of the per-province results joined to the boundaries.")

    def prepare(self, parameters, context, feedback):
        inputs = {"tables": self.table_input(parameters, self.TABLES, context, feedback),
                  "emissions": self.table_input(parameters, self.EMISSIONS, context, feedback)}
        params = {"treatment": self.TREATMENTS[self.parameterAsEnum(parameters, self.TREATMENT,
                                                                    context)]}
        outputs = {self.OUTPUT: self.table_output(parameters, self.OUTPUT, context)}
        sectors = self.table_output(parameters, self.OUTPUT_SECTORS, context)
        if sectors:
            outputs[self.OUTPUT_SECTORS] = sectors
        if parameters.get(self.BOUNDARIES) not in (None, ""):
            inputs["boundaries"] = self.source_path(parameters, self.BOUNDARIES, context,
                                                    feedback)
            fields = self.parameterAsFields(parameters, self.BOUNDARY_ID, context)
            params["boundary_id"] = fields[0] if fields else "region_code"
            if self.parameterAsOutputLayer(parameters, self.OUTPUT_LAYER, context):
                outputs[self.OUTPUT_LAYER] = self.vector_output(self, parameters,
                                                                self.OUTPUT_LAYER, context)
        return inputs, params, outputs
