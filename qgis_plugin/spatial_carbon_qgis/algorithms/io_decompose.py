"""LMDI-I decomposition of emission change into scale, structure and technique."""

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
)

from ..base import SpatialCarbonAlgorithm
from ._common import GROUP_IO


class IoDecompose(SpatialCarbonAlgorithm):
    TABLE = "TABLE"
    YEAR0 = "YEAR0"
    YEAR1 = "YEAR1"
    ENERGY_MIX = "ENERGY_MIX"
    NATIONAL = "NATIONAL"
    METHOD = "METHOD"
    OUTPUT = "OUTPUT"
    METHODS = ["lmdi", "growth"]

    NAME = "io_decompose"
    DISPLAY = "LMDI decomposition of emission change"
    GROUP, GROUP_ID = GROUP_IO
    STEP = "io_decompose"
    ICON = "io.svg"
    HELP = (
        "<p>Logarithmic mean Divisia index (LMDI-I; Ang 2004, Energy Policy 32:1131-1139; "
        "Ang 2005) decomposition of the change of emissions C = &Sigma;<sub>i</sub> Q "
        "&middot; (Q<sub>i</sub>/Q) &middot; (C<sub>i</sub>/Q<sub>i</sub>) between two "
        "years into scale (total output Q), structure (sector shares) and technique "
        "(emission intensity) effects: additive effects in emission units that sum exactly "
        "to the total change, and multiplicative factors D whose product is "
        "C<sub>1</sub>/C<sub>0</sub>. Optionally the technique effect is split into energy "
        "intensity, energy mix and emission factor.</p>"
        "<p>Method growth: the growth-rate (environmental-effect) decomposition of seed 000, "
        "scale (Y1 - Y0)/Y0, structure &Sigma; &pi;<sub>i</sub> &Delta;s<sub>i</sub>/s<sub>i0</sub>, "
        "technique &Sigma; &pi;<sub>i</sub> &Delta;e<sub>i</sub>/e<sub>i0</sub> with base-year "
        "emission shares &pi;<sub>i</sub>, and the residual; as growth shares and times "
        "E<sub>0</sub>. LMDI (default) has no residual.</p>"
        "<p>Core: <code>spatial_carbon.inputoutput.lmdi.lmdi_decompose</code>, "
        "<code>spatial_carbon.inputoutput.growth.growth_decompose</code> (docs/io.md).</p>"
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(QgsProcessingParameterFeatureSource(self.TABLE, "Output and emissions table", [QgsProcessing.TypeVector]),
                 "Long CSV region, sector, year, output, emissions (with energy mix also "
                 "fuel, energy).")
        self.add(QgsProcessingParameterNumber(self.YEAR0, "Base year",
                                              QgsProcessingParameterNumber.Integer,
                                              defaultValue=2000),
                 "Year 0 of the decomposition.")
        self.add(QgsProcessingParameterNumber(self.YEAR1, "Final year",
                                              QgsProcessingParameterNumber.Integer,
                                              defaultValue=2010),
                 "Year 1 of the decomposition.")
        self.add(QgsProcessingParameterBoolean(self.ENERGY_MIX, "Split technique by energy",
                                               defaultValue=False),
                 "Split the technique effect into energy intensity, energy mix and emission "
                 "factor (needs fuel and energy columns).", advanced=True)
        self.add(QgsProcessingParameterBoolean(self.NATIONAL, "One pooled decomposition",
                                               defaultValue=False),
                 "One decomposition of all regions together instead of one per region.",
                 advanced=True)
        self.add(QgsProcessingParameterEnum(self.METHOD, "Method", options=self.METHODS,
                                            defaultValue=0),
                 "lmdi (default): LMDI-I, exact, no residual; growth: growth-rate "
                 "decomposition with a residual (sectors must be present in both years).",
                 advanced=True)
        self.add(QgsProcessingParameterFeatureSink(self.OUTPUT, "Decomposition",
                                                   QgsProcessing.TypeVector),
                 "CSV per region: C0, C1, scale, structure, technique, total, D_* factors.")

    def prepare(self, parameters, context, feedback):
        inputs = {"table": self.table_input(parameters, self.TABLE, context, feedback)}
        params = {"year0": self.parameterAsInt(parameters, self.YEAR0, context),
                  "year1": self.parameterAsInt(parameters, self.YEAR1, context),
                  "energy_mix": self.parameterAsBool(parameters, self.ENERGY_MIX, context),
                  "national": self.parameterAsBool(parameters, self.NATIONAL, context),
                  "method": self.METHODS[self.parameterAsEnum(parameters, self.METHOD, context)]}
        outputs = {self.OUTPUT: self.table_output(parameters, self.OUTPUT, context)}
        return inputs, params, outputs
