"""CEADs import: provincial inventory workbooks -> industrial CO2 per region-year."""

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
)

from ..base import SpatialCarbonAlgorithm
from ._common import GROUP_INVENTORY


class CeadsImport(SpatialCarbonAlgorithm):
    FOLDER = "FOLDER"
    FIRST_YEAR = "FIRST_YEAR"
    LAST_YEAR = "LAST_YEAR"
    SECTORS = "SECTORS"
    INCLUDE_PROCESS = "INCLUDE_PROCESS"
    OUTPUT = "OUTPUT"

    SECTOR_CHOICES = ["industry", "all", "agriculture", "construction", "transport",
                      "services", "households"]

    NAME = "ceads_import"
    DISPLAY = "Import CEADs provincial inventories"
    GROUP, GROUP_ID = GROUP_INVENTORY
    STEP = "ceads_import"
    ICON = "inventory.svg"
    HELP = (
        "<p>Reads the CEADs provincial CO<sub>2</sub> inventory workbooks (one "
        "<i>Emission_Inventories_for_30_Provinces_YYYY.xlsx</i> per year, 47 IPCC sectors x "
        "17 fuels + process) and totals them per province and year. Every sheet is checked "
        "against its own totals. With <b>industry</b> the result is the study's industrial "
        "CO<sub>2</sub> (ICE, tonnes CO<sub>2</sub>): mining + manufacturing + utilities, "
        "plus industrial process emissions.</p>"
        "<p>Source: Shan et al. 2016 (Applied Energy 184:742-750), 2018 (Scientific Data "
        "5:170201), 2020 (Scientific Data 7:54); Guan et al. 2021 (Earth's Future "
        "9:e2021EF002241). Core: <code>spatial_carbon.inventory.ceads.read_provinces</code> and "
        "<code>industrial_emissions</code>.</p>"
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(QgsProcessingParameterFile(
            self.FOLDER, "Folder of CEADs workbooks", behavior=QgsProcessingParameterFile.Folder),
            "Folder holding the CEADs Emission_Inventories_for_30_Provinces_YYYY.xlsx files "
            "(the bundled copy is data/ceads/provinces).")
        self.add(QgsProcessingParameterNumber(
            self.FIRST_YEAR, "First year", QgsProcessingParameterNumber.Integer,
            optional=True, minValue=1990, maxValue=2100),
            "First year to read; empty: every workbook in the folder.")
        self.add(QgsProcessingParameterNumber(
            self.LAST_YEAR, "Last year", QgsProcessingParameterNumber.Integer,
            optional=True, minValue=1990, maxValue=2100),
            "Last year to read (inclusive); a year without a workbook is an error.")
        self.add(QgsProcessingParameterEnum(
            self.SECTORS, "Sectors", options=self.SECTOR_CHOICES, defaultValue=0),
            "industry: the study's industrial CO2 (ICE, column CO2_t in tonnes); all: one row "
            "per sector group (CO2_Mt); or one sector group.")
        self.add(QgsProcessingParameterBoolean(
            self.INCLUDE_PROCESS, "Include industrial process emissions", defaultValue=True),
            "Include process emissions (chiefly cement). Switch off to compare with a "
            "fuel-combustion inventory.", advanced=True)
        self.add(QgsProcessingParameterFeatureSink(
            self.OUTPUT, "Emissions table", QgsProcessing.TypeVector),
            "CSV table region_code, region, year and CO2 (UTF-8 with BOM).")

    def prepare(self, parameters, context, feedback):
        first = parameters.get(self.FIRST_YEAR)
        last = parameters.get(self.LAST_YEAR)
        params = {
            "first_year": self.parameterAsInt(parameters, self.FIRST_YEAR, context)
            if first not in (None, "") else None,
            "last_year": self.parameterAsInt(parameters, self.LAST_YEAR, context)
            if last not in (None, "") else None,
            "group": self.SECTOR_CHOICES[self.parameterAsEnum(parameters, self.SECTORS, context)],
            "include_process": self.parameterAsBool(parameters, self.INCLUDE_PROCESS, context),
        }
        inputs = {"folder": self.parameterAsFile(parameters, self.FOLDER, context)}
        outputs = {self.OUTPUT: self.table_output(parameters, self.OUTPUT, context)}
        return inputs, params, outputs
