"""Fuel emissions: fuel-use table x emission factors -> CO2 per region-year (IPCC 2006)."""

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
)

from ..base import SpatialCarbonAlgorithm
from ._common import GROUP_INVENTORY, file_or_none


class FuelEmissions(SpatialCarbonAlgorithm):
    FUEL = "FUEL"
    PRESET = "PRESET"
    FACTORS = "FACTORS"
    BY_FUEL = "BY_FUEL"
    BASIS = "BASIS"
    OUTPUT = "OUTPUT"

    PRESETS = ["ipcc2006", "seed001"]
    BASES = ["CO2", "C"]

    NAME = "fuel_emissions"
    DISPLAY = "Fuel-use emissions (IPCC 2006)"
    GROUP, GROUP_ID = GROUP_INVENTORY
    STEP = "fuel_emissions"
    ICON = "inventory.svg"
    HELP = (
        "<p>CO<sub>2</sub> per province and year from fuel use: "
        "E(r,y) = &Sigma;<sub>f</sub> Q(r,y,f) &middot; u(f) &middot; EF(f), with Q the "
        "physical amount in the row's unit (t, 10^4 t, m3, 10^8 m3, tce ...), u its "
        "conversion to the factor's unit and EF the emission factor (t CO<sub>2</sub> per "
        "unit). Presets: <b>ipcc2006</b>: EF = NCV &middot; CC &middot; OF &middot; 44/12 "
        "(IPCC 2006 Guidelines Vol. 2 Ch. 1 Eq. 1.1; Chinese net calorific values of "
        "GB/T 2589-2008 Annex A, IPCC default carbon contents of Table 1.3, oxidation 1); "
        "<b>seed001</b>: the seed study's ICE = &Sigma; Q &middot; S &middot; D with its eight "
        "fuels (standard-coal coefficient S, factor D per tce).</p>"
        "<p>Core: <code>spatial_carbon.inventory.emissions</code>.</p>"
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(QgsProcessingParameterFeatureSource(self.FUEL, "Fuel-use table", [QgsProcessing.TypeVector]),
                 "CSV with columns region, year, fuel, amount, unit (one row per region, "
                 "year and fuel; Chinese or English names; UTF-8 or GB18030).")
        self.add(QgsProcessingParameterEnum(self.PRESET, "Emission factors", options=self.PRESETS,
                                            defaultValue=0),
                 "Factor preset: ipcc2006 (default) or seed001. Ignored when a factor table "
                 "is given.")
        self.add(QgsProcessingParameterFile(self.FACTORS, "Own factor table", extension="csv",
                                            optional=True),
                 "CSV of your own factors in the layout of the presets (see docs/inventory.md); "
                 "replaces the preset.", advanced=True)
        self.add(QgsProcessingParameterBoolean(self.BY_FUEL, "One row per fuel",
                                               defaultValue=False),
                 "Keep one row per fuel instead of the region-year total.", advanced=True)
        self.add(QgsProcessingParameterEnum(self.BASIS, "Gas basis", options=self.BASES,
                                            defaultValue=0),
                 "CO2 (column CO2_t, tonnes CO2) or C (column C_t = CO2 x 12/44).",
                 advanced=True)
        self.add(QgsProcessingParameterFeatureSink(self.OUTPUT, "Emissions table", QgsProcessing.TypeVector),
                 "CSV region_code, region, year, CO2_t (tonnes CO2).")

    def prepare(self, parameters, context, feedback):
        inputs = {"fuel": self.table_input(parameters, self.FUEL, context, feedback),
                  "factors": file_or_none(self, parameters, self.FACTORS, context)}
        params = {"preset": self.PRESETS[self.parameterAsEnum(parameters, self.PRESET, context)],
                  "by_fuel": self.parameterAsBool(parameters, self.BY_FUEL, context),
                  "basis": self.BASES[self.parameterAsEnum(parameters, self.BASIS, context)]}
        outputs = {self.OUTPUT: self.table_output(parameters, self.OUTPUT, context)}
        return inputs, params, outputs
