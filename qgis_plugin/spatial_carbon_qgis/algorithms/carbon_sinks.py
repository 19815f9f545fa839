"""Carbon sinks: class areas x absorption rates x equivalence factors."""

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
)

from ..base import SpatialCarbonAlgorithm
from ._common import GROUP_SINKS, file_or_none, number_or_none


class CarbonSinks(SpatialCarbonAlgorithm):
    AREAS = "AREAS"
    NEP_FOREST = "NEP_FOREST"
    NEP_GRASSLAND = "NEP_GRASSLAND"
    RATES = "RATES"
    FACTORS = "FACTORS"
    OUTPUT = "OUTPUT"

    NAME = "carbon_sinks"
    DISPLAY = "Carbon sinks from class areas"
    GROUP, GROUP_ID = GROUP_SINKS
    STEP = "carbon_sinks"
    ICON = "sinks.svg"
    HELP = (
        "<p>Carbon sink per region and year: CS = &Sigma;<sub>i</sub> NEP<sub>i</sub> &middot; "
        "A<sub>i</sub> &middot; E<sub>i</sub>, over the classes i with an absorption rate "
        "(by default forest and grassland, as in the seed study), with A the class area "
        "(hm<sup>2</sup>), NEP the net ecosystem productivity (t hm<sup>-2</sup> a<sup>-1</sup>; "
        "default forest 3.8096, grassland 0.9482 t C, Xie et al. 2008) and E the "
        "equivalence factor (default Ewing et al. 2010, Global Footprint Network).</p>"
        "<p>Core: <code>spatial_carbon.footprint.sinks.carbon_sink</code> (docs, "
        "spatial_carbon/data/sink_parameters.md).</p>"
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(QgsProcessingParameterFeatureSource(self.AREAS, "Class areas table", [QgsProcessing.TypeVector]),
                 "CSV region (or zone/region_code), year, sink_class (or class) and area_hm2, "
                 "e.g. the output of 'Land-cover class areas per zone'.")
        self.add(QgsProcessingParameterNumber(
            self.NEP_FOREST, "NEP forest (t/hm2/a)", QgsProcessingParameterNumber.Double,
            optional=True, minValue=0),
            "Replaces the forest absorption rate (default 3.8096, Xie et al. 2008).",
            advanced=True)
        self.add(QgsProcessingParameterNumber(
            self.NEP_GRASSLAND, "NEP grassland (t/hm2/a)", QgsProcessingParameterNumber.Double,
            optional=True, minValue=0),
            "Replaces the grassland absorption rate (default 0.9482, Xie et al. 2008).",
            advanced=True)
        self.add(QgsProcessingParameterFile(self.RATES, "Own rates table", extension="csv",
                                            optional=True),
                 "CSV class, rate (t/hm2/a)[, basis] replacing the default rates.", advanced=True)
        self.add(QgsProcessingParameterFile(self.FACTORS, "Own equivalence factors",
                                            extension="csv", optional=True),
                 "CSV region, class, factor (region ALL = every province) replacing the GFN "
                 "factors.", advanced=True)
        self.add(QgsProcessingParameterFeatureSink(self.OUTPUT, "Carbon sinks", QgsProcessing.TypeVector),
                 "CSV region_code, region, year, A_<class>_hm2, CS_<class>, CS (t/a).")

    def prepare(self, parameters, context, feedback):
        inputs = {"areas": self.table_input(parameters, self.AREAS, context, feedback),
                  "rates": file_or_none(self, parameters, self.RATES, context),
                  "factors": file_or_none(self, parameters, self.FACTORS, context)}
        params = {"nep_forest": number_or_none(self, parameters, self.NEP_FOREST, context),
                  "nep_grassland": number_or_none(self, parameters, self.NEP_GRASSLAND, context)}
        outputs = {self.OUTPUT: self.table_output(parameters, self.OUTPUT, context)}
        return inputs, params, outputs
