"""Base class of the spatial_carbon tools: metadata, help, layer export, styling.

A tool subclass declares its parameters (names as class constants, help on
each), and implements :meth:`prepare` (parameters -> worker job) and,
optionally, :meth:`outputs_dict`.  No science here: the worker calls one
spatial_carbon function per tool.
"""

import os

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingParameterDefinition,
)
from qgis.PyQt.QtGui import QIcon

from . import runner

_HERE = os.path.dirname(__file__)
#: Public URL of docs/qgis.md once the project has one ("" = no Help button).
HOMEPAGE = ""

#: Post-processors must outlive processAlgorithm (the context keeps a raw
#: pointer); each removes itself once it has styled its layer.
_POST_PROCESSORS = {}


class _StyleLayer(QgsProcessingLayerPostProcessorInterface):
    """Apply the core's .qml to an output once Processing has loaded it."""

    def __init__(self, qml, key):
        super().__init__()
        self.qml = qml
        self.key = key

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 - QGIS API
        if layer is not None:
            if self.qml and os.path.isfile(self.qml):
                layer.loadNamedStyle(self.qml)
            else:  # the GeoPackage's own default style
                layer.loadDefaultStyle()
            layer.triggerRepaint()
        _POST_PROCESSORS.pop(self.key, None)


class SpatialCarbonAlgorithm(QgsProcessingAlgorithm):
    """Common behaviour; subclasses set the constants below."""

    NAME = ""
    DISPLAY = ""
    GROUP = ""
    GROUP_ID = ""
    STEP = ""  # worker step, one spatial_carbon function
    HELP = ""  # method, formula, citation (HTML allowed)
    ICON = "spatial_carbon.svg"

    # --- metadata -------------------------------------------------------
    def createInstance(self):  # noqa: N802 - QGIS API
        return type(self)()

    def name(self):
        return self.NAME

    def displayName(self):  # noqa: N802
        return self.DISPLAY

    def group(self):
        return self.GROUP

    def groupId(self):  # noqa: N802
        return self.GROUP_ID

    def icon(self):
        return QIcon(os.path.join(_HERE, "icons", self.ICON))

    def svgIconPath(self):  # noqa: N802
        return os.path.join(_HERE, "icons", self.ICON)

    def helpUrl(self):  # noqa: N802
        return HOMEPAGE + "#tools" if HOMEPAGE else ""

    def shortHelpString(self):  # noqa: N802
        rows = []
        for p in self.parameterDefinitions():
            if p.help():
                rows.append("<li><b>%s</b>: %s</li>" % (p.description(), p.help()))
        params = "<h3>Parameters</h3><ul>%s</ul>" % "".join(rows) if rows else ""
        return (self.HELP + params + "<p>Runs spatial_carbon out of process "
                "(Processing &gt; Options &gt; Providers &gt; spatial_carbon sets the Python "
                "interpreter). Manual: docs/qgis.md in the spatial_carbon sources.</p>")

    def canExecute(self):  # noqa: N802
        ok, report = runner.check_worker()
        if not ok:
            return False, report
        if self.STEP and self.STEP not in report.get("steps", []):
            return False, ("spatial_carbon %s in %s has no '%s' step; upgrade it to match the "
                           "plugin:\n  \"%s\" -m pip install --upgrade \"spatial_carbon[all]\""
                           % (report.get("spatial_carbon"), report.get("executable"), self.STEP,
                              report.get("executable")))
        return True, ""

    # --- parameter helpers ------------------------------------------------
    def add(self, param, help_text, advanced=False):
        """Add ``param`` with its help text; ``advanced`` hides it by default."""
        param.setHelp(help_text)
        if advanced:
            param.setFlags(param.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
        self.addParameter(param)
        return param

    def source_path(self, parameters, name, context, feedback):
        """``{"path", "layer"}`` of a vector input as a file the core can read.

        File layers are passed as they are; other sources (memory, database,
        selection-only) are exported to a temporary GeoPackage by QGIS.
        """
        source = self.parameterAsSource(parameters, name, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, name))
        path, layer = self.parameterAsCompatibleSourceLayerPathAndLayerName(
            parameters, name, context, ["gpkg", "shp", "geojson"], "gpkg", feedback)
        return {"path": path, "layer": layer or None, "crs": source.sourceCrs().authid(),
                "features": source.featureCount()}

    @staticmethod
    def vector_output(algorithm, parameters, name, context):
        path = algorithm.parameterAsOutputLayer(parameters, name, context)
        if not path.lower().endswith(".gpkg"):
            raise QgsProcessingException(
                "%s must be a GeoPackage (.gpkg) file, got %s" % (name, path))
        return path

    # --- running ------------------------------------------------------------
    def prepare(self, parameters, context, feedback):
        """Return ``(inputs, params, outputs)`` for the worker (paths as str)."""
        raise NotImplementedError

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        inputs, params, outputs = self.prepare(parameters, context, feedback)
        result = runner.run_step(self.STEP, inputs, params, outputs, feedback)
        # The worker stored the core's styles in each GeoPackage (layer_styles)
        # and wrote the default one beside it; apply it when Processing loads it.
        for key, qml in (result.get("styles") or {}).items():
            path = result.get(key)
            if qml and path:
                self.style_on_load(path, qml, context)
        return {k: v for k, v in result.items() if k != "styles"}

    @staticmethod
    def style_on_load(path, qml, context):
        """Apply ``qml`` (None: the layer's stored default style) when Processing
        loads ``path`` at the end of the run."""
        if context.willLoadLayerOnCompletion(path):
            key = (path, id(context))
            pp = _StyleLayer(qml, key)
            _POST_PROCESSORS[key] = pp
            context.layerToLoadOnCompletionDetails(path).setPostProcessor(pp)

