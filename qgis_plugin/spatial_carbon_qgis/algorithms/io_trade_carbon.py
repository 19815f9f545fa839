"""Carbon embodied in provinces' foreign and inter-provincial trade (single-region IO tables)."""

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorDestination,
)

from ..base import SpatialCarbonAlgorithm
from ._common import GROUP_IO, number_or_none


class IoTradeCarbon(SpatialCarbonAlgorithm):
    TABLES = "TABLES"
    EMISSIONS = "EMISSIONS"
    NATIONAL_INTENSITY = "NATIONAL_INTENSITY"
    PROVINCE_TOTALS = "PROVINCE_TOTALS"
    NATIONAL_EMISSIONS = "NATIONAL_EMISSIONS"
    NATIONAL_OUTPUT = "NATIONAL_OUTPUT"
    NATIONAL_FOR = "NATIONAL_FOR"
    NATIONAL_TABLE = "NATIONAL_TABLE"
    SECTORS = "SECTORS"
    TREATMENT = "TREATMENT"
    REGION_GROUPS = "REGION_GROUPS"
    SECTOR_GROUPS = "SECTOR_GROUPS"
    BOUNDARIES = "BOUNDARIES"
    BOUNDARY_ID = "BOUNDARY_ID"
    OUTPUT = "OUTPUT"
    OUTPUT_SECTORS = "OUTPUT_SECTORS"
    OUTPUT_GROUPS = "OUTPUT_GROUPS"
    OUTPUT_SECTOR_GROUPS = "OUTPUT_SECTOR_GROUPS"
    OUTPUT_LAYER = "OUTPUT_LAYER"

    TREATMENTS = ["net_outflow", "domestic_share", "all_uses"]
    # Names of spatial_carbon's bundled concordances and groupings (the plugin
    # cannot import spatial_carbon; tests/test_defaults.py checks they exist).
    # "" = the tables' own sectors.
    CONCORDANCES = ["", "seed002_2017", "seed002_2012", "ioc42_30"]
    CONCORDANCE_LABELS = ["none (the tables' sectors)",
                          "seed002_2017: 2017 42-product list -> seed 002's 30 sectors",
                          "seed002_2012: 2012 42-product list -> seed 002's 30 sectors",
                          "ioc42_30: 2012 42-product list -> 30 IO sectors"]
    REGION_GROUPINGS = ["seed002_8", "seed003_8", "nbs4", "ecw3"]
    SECTOR_GROUPINGS = ["seed002_30_6", "ioc30_6"]

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
        "average multipliers, or with the national table's total multipliers m<sup>n</sup> = "
        "d<sup>n</sup>(I-A<sup>n</sup>)<sup>-1</sup> when a national table is given, as "
        "seed 002 does (column CMP_multipliers says which).</p>"
        "<p>Intensities: direct method d = emissions / output, or seed 002's adjusted method "
        "from national sector intensities and province totals; the provinces listed under "
        "'Provinces taking the national intensity' (default Tibet, seed 002 footnote 3) take "
        "it when they have no emission data (column intensity_source). 2017 tables with the "
        "42-product list are aggregated to the seed's 30 sectors by its Table 1 concordance "
        "(product names, codes or Chinese names). Optional outputs: sums per region group "
        "(seed 002's 8 regions) and the seed's Table 6, ECC and PECC of six sector groups "
        "formed from group totals.</p>"
        "<p>Core: <code>spatial_carbon.inputoutput.trade_carbon_from_tables</code>, "
        "<code>aggregate_trade_regions</code>, <code>sector_group_carbon</code> "
        "(docs/io.md).</p>"
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(QgsProcessingParameterFeatureSource(self.TABLES, "Provincial IO tables", [QgsProcessing.TypeVector]),
                 "Stacked CSV: region, sector, one column per sector (intermediate flows), "
                 "final_use, export, outflow, import, inflow, output (same monetary unit).")
        self.add(QgsProcessingParameterFeatureSource(self.EMISSIONS, "Sector emissions",
                                                     [QgsProcessing.TypeVector], optional=True),
                 "Direct method: table region, sector, emissions (e.g. t CO2) in the tables' "
                 "sectors (summed by the sector concordance when one is chosen). Or leave it "
                 "empty and give national intensities with province totals (adjusted method).")
        self.add(QgsProcessingParameterFeatureSource(
            self.NATIONAL_INTENSITY, "National sector intensities (adjusted method)",
            [QgsProcessing.TypeVector], optional=True),
            "Seed 002's adjusted method: table sector, intensity (national direct intensities, "
            "t CO2 per monetary unit of the tables, in the tables' sectors), with province "
            "totals. Also the national table's intensities.", advanced=True)
        self.add(QgsProcessingParameterFeatureSource(
            self.PROVINCE_TOTALS, "Province total emissions (adjusted method)",
            [QgsProcessing.TypeVector], optional=True),
            "Adjusted method: table region, emissions (province totals, e.g. t CO2).",
            advanced=True)
        self.add(QgsProcessingParameterNumber(
            self.NATIONAL_EMISSIONS, "National total emissions (adjusted method)",
            QgsProcessingParameterNumber.Double, optional=True, minValue=0),
            "Empty: the sum of the province totals.", advanced=True)
        self.add(QgsProcessingParameterNumber(
            self.NATIONAL_OUTPUT, "National total output (adjusted method)",
            QgsProcessingParameterNumber.Double, optional=True, minValue=0),
            "Empty: the tables' total output of the provinces with emissions.", advanced=True)
        self.add(QgsProcessingParameterString(
            self.NATIONAL_FOR, "Provinces taking the national intensity", defaultValue="Tibet",
            optional=True),
            "Comma-separated provinces without emission data that take the national intensity "
            "(seed 002 footnote 3: Tibet); empty for none (then every province needs data).",
            advanced=True)
        self.add(QgsProcessingParameterFeatureSource(
            self.NATIONAL_TABLE, "National IO table", [QgsProcessing.TypeVector], optional=True),
            "Optional national table in the same stacked format (one region, e.g. China; "
            "outflow and inflow 0): inflows (CMP) are valued with its total multipliers, as "
            "seed 002 does. Empty: output-weighted mean of the provinces' multipliers.")
        self.add(QgsProcessingParameterEnum(
            self.SECTORS, "Sector concordance", options=self.CONCORDANCE_LABELS, defaultValue=0),
            "Aggregate the tables, the national table and the emissions first: seed002_2017 "
            "for 2017 regional tables (42-product list: 22 其他制造产品和废品废料, 35 研究和试验发展, "
            "36 综合技术服务), seed002_2012 for the 2012 list (seed 002's Table 1).")
        self.add(QgsProcessingParameterEnum(self.TREATMENT, "Treatment of imports",
                                            options=self.TREATMENTS, defaultValue=0),
                 "net_outflow (seed 002, default): competitive A; domestic_share: intermediate "
                 "and final use scaled by the domestic share; all_uses: every use scaled.",
                 advanced=True)
        self.add(QgsProcessingParameterEnum(
            self.REGION_GROUPS, "Region groups", options=self.REGION_GROUPINGS, defaultValue=0),
            "Grouping of the 'Trade carbon by region group' output (seed002_8: the seed's 8 "
            "economic regions).", advanced=True)
        self.add(QgsProcessingParameterEnum(
            self.SECTOR_GROUPS, "Sector groups", options=self.SECTOR_GROUPINGS, defaultValue=0),
            "Grouping of the 'Trade carbon by sector group' output (seed002_30_6: the seed's six "
            "groups of its 30 sectors, Table 6; ioc30_6 for the 30 IO sectors).", advanced=True)
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
        self.add(QgsProcessingParameterFeatureSink(
            self.OUTPUT_GROUPS, "Trade carbon by region group", QgsProcessing.TypeVector,
            optional=True, createByDefault=False),
            "Optional: sums per region group, CTT, CTTp and type from the sums.")
        self.add(QgsProcessingParameterFeatureSink(
            self.OUTPUT_SECTOR_GROUPS, "Trade carbon by sector group", QgsProcessing.TypeVector,
            optional=True, createByDefault=False),
            "Optional (seed 002's Table 6): per province and sector group the shares of output, "
            "exports and outflows, ECC and PECC from group totals, N and NP.")
        self.add(QgsProcessingParameterVectorDestination(
            self.OUTPUT_LAYER, "Trade carbon layer", QgsProcessing.TypeVectorPolygon,
            optional=True, createByDefault=False),
            "GeoPackage of the per-province results joined to the boundaries.")

    def prepare(self, parameters, context, feedback):
        inputs = {"tables": self.table_input(parameters, self.TABLES, context, feedback)}
        for key, name in (("emissions", self.EMISSIONS),
                          ("national_intensity", self.NATIONAL_INTENSITY),
                          ("province_totals", self.PROVINCE_TOTALS),
                          ("national_table", self.NATIONAL_TABLE)):
            path = self.table_input(parameters, name, context, feedback)
            if path:
                inputs[key] = path
        if "emissions" not in inputs and not ("national_intensity" in inputs
                                              and "province_totals" in inputs):
            raise QgsProcessingException(
                "give Sector emissions (direct method), or National sector intensities with "
                "Province total emissions (adjusted method)")
        text = self.parameterAsString(parameters, self.NATIONAL_FOR, context) or ""
        params = {"treatment": self.TREATMENTS[self.parameterAsEnum(parameters, self.TREATMENT,
                                                                    context)],
                  "concordance": self.CONCORDANCES[self.parameterAsEnum(parameters, self.SECTORS,
                                                                        context)] or None,
                  "national_for": [x.strip() for x in text.split(",") if x.strip()],
                  "national_emissions": number_or_none(self, parameters, self.NATIONAL_EMISSIONS,
                                                       context),
                  "national_output": number_or_none(self, parameters, self.NATIONAL_OUTPUT,
                                                    context),
                  "region_groups": self.REGION_GROUPINGS[
                      self.parameterAsEnum(parameters, self.REGION_GROUPS, context)],
                  "sector_groups": self.SECTOR_GROUPINGS[
                      self.parameterAsEnum(parameters, self.SECTOR_GROUPS, context)]}
        outputs = {self.OUTPUT: self.table_output(parameters, self.OUTPUT, context)}
        for name in (self.OUTPUT_SECTORS, self.OUTPUT_GROUPS, self.OUTPUT_SECTOR_GROUPS):
            path = self.table_output(parameters, name, context)
            if path:
                outputs[name] = path
        if parameters.get(self.BOUNDARIES) not in (None, ""):
            inputs["boundaries"] = self.source_path(parameters, self.BOUNDARIES, context,
                                                    feedback)
            fields = self.parameterAsFields(parameters, self.BOUNDARY_ID, context)
            params["boundary_id"] = fields[0] if fields else "region_code"
            if self.parameterAsOutputLayer(parameters, self.OUTPUT_LAYER, context):
                outputs[self.OUTPUT_LAYER] = self.vector_output(self, parameters,
                                                                self.OUTPUT_LAYER, context)
        return inputs, params, outputs
