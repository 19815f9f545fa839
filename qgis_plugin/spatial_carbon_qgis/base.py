"""Base class of the spatial_carbon tools: metadata, help, layer export, styling.

A tool subclass declares its parameters (names as class constants, help on
each), and implements :meth:`prepare` (parameters -> worker job) and,
optionally, :meth:`outputs_dict`.  No science here: the worker calls one
spatial_carbon function per tool.
"""

import os
import re
import uuid

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeatureSink,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingOutputLayerDefinition,
    QgsProcessingParameterDefinition,
    QgsProcessingUtils,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QUrl, QUrlQuery
from qgis.PyQt.QtGui import QIcon

from . import runner
from .names import help_url, tr, ui_language

_HERE = os.path.dirname(__file__)

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


def _is_csv_file(dest):
    """True for a plain ``.csv`` file path, not a provider URI (``memory:``,
    ``ogr:dbname=...``; a Windows drive letter is one letter)."""
    low = dest.lower()
    return low.endswith(".csv") and "|" not in low and not re.match(r"^[a-z]{2,}:", low)


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

    def tr(self, text):
        return tr(text)

    def displayName(self):  # noqa: N802
        return tr(self.DISPLAY)

    def group(self):
        return tr(self.GROUP)

    def groupId(self):  # noqa: N802
        return self.GROUP_ID

    def icon(self):
        return QIcon(os.path.join(_HERE, "icons", self.ICON))

    def svgIconPath(self):  # noqa: N802
        return os.path.join(_HERE, "icons", self.ICON)

    def helpUrl(self):  # noqa: N802
        return help_url(self.NAME)

    def shortHelpString(self):  # noqa: N802
        rows = []
        for p in self.parameterDefinitions():
            if p.help():
                rows.append("<li><b>%s</b>: %s</li>" % (p.description(), p.help()))
        params = "<h3>Parameters</h3><ul>%s</ul>" % "".join(rows) if rows else ""
        return (self.HELP + params + "<p>Runs spatial_carbon out of process "
                "(Processing &gt; Options &gt; Providers &gt; spatial_carbon sets the Python "
                "interpreter; the tool 'Set up the spatial_carbon worker' creates it). The "
                "Help button opens this tool's section of the manual (docs/qgis.md).</p>")

    def canExecute(self):  # noqa: N802
        # Called on the GUI thread when a dialog opens: the check ran in the
        # background since the provider loaded (runner.start_check); if it is
        # still running after a moment, say yes -- the run checks again.
        ok, report = runner.check_worker(wait=runner._CHECK_WAIT_S)
        if ok is None:
            return True, ""
        if ok:
            report = self.step_missing(report)
            ok = report is None
        if not ok:
            return False, runner.as_html(report) if runner.GUI else report
        return True, ""

    def step_missing(self, report):
        """None if the worker has this tool's step, else what to do."""
        if not self.STEP or self.STEP in report.get("steps", []):
            return None
        return ("spatial_carbon %s in %s has no '%s' step: it is older than this plugin. "
                "Run the tool '%s' again to update it."
                % (report.get("spatial_carbon"), report.get("executable"), self.STEP,
                   tr(runner.worker_env.SETUP_NAME)))

    # --- parameter helpers ------------------------------------------------
    def add(self, param, help_text, advanced=False):
        """Add ``param`` with its help text; ``advanced`` hides it by default.

        The label (description) is translated here, once for every tool.
        """
        param.setDescription(tr(param.description()))
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

    # --- tables: any QGIS table or vector layer in, feature sinks out ---------
    def table_input(self, parameters, name, context, feedback):
        """Path of a CSV holding a table input, for the worker (None if unset).

        The parameter is a feature source of type vector, so any QGIS table or
        vector layer is accepted: a CSV file (a table in QGIS too) goes to the
        worker as it is, read by spatial_carbon's own CSV reader (UTF-8 or
        GB18030); anything else -- a GeoPackage or spreadsheet table, a
        delimited-text layer, the memory layer of a model's previous step, a
        selection -- is written to a temporary CSV by QGIS (geometry dropped).
        """
        if parameters.get(name) in (None, ""):
            return None
        if self.parameterAsSource(parameters, name, context) is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, name))
        path = self.parameterAsCompatibleSourceLayerPath(
            parameters, name, context, ["csv"], "csv", feedback)
        return path.split("|")[0] if path else path

    def table_output(self, parameters, name, context):
        """Where the worker writes the table output ``name`` (None: not requested).

        A ``.csv`` file is written by the worker itself (atomically, UTF-8 with
        BOM so Excel shows Chinese names); any other destination -- a memory
        layer (temporary output, a model's intermediate step), GeoPackage,
        spreadsheet, database -- is a feature sink QGIS writes from the
        worker's CSV after the run (:meth:`sink_tables`).
        """
        dest = self.parameterAsOutputLayer(parameters, name, context)
        if not dest:
            return None
        value = parameters.get(name)
        enc = (value.createOptions.get("fileEncoding") or "UTF-8"
               if isinstance(value, QgsProcessingOutputLayerDefinition) else "UTF-8")
        if _is_csv_file(dest) and str(enc).replace("-", "").upper() in ("UTF8", "SYSTEM"):
            self._csv_outputs[name] = dest
            return dest
        tmp = os.path.join(QgsProcessingUtils.tempFolder(),
                           "spatial_carbon_%s_%s.csv" % (name.lower(), uuid.uuid4().hex))
        self._sink_outputs[name] = tmp
        return tmp

    def sink_tables(self, result, parameters, context, feedback):
        """Copy the worker's CSV tables into their feature sinks (field types
        detected: integers, reals, text); a CSV output is loaded as it is."""
        for name, csv_path in self._sink_outputs.items():
            if result.get(name) != csv_path:
                continue
            uri = QUrl.fromLocalFile(csv_path)
            q = QUrlQuery()
            for k, v in (("type", "csv"), ("delimiter", ","), ("detectTypes", "yes"),
                         ("geomType", "none"), ("encoding", "UTF-8")):
                q.addQueryItem(k, v)
            uri.setQuery(q)
            table = QgsVectorLayer(uri.toString(), name, "delimitedtext")
            if not table.isValid():
                raise QgsProcessingException("cannot read the worker's table %s" % csv_path)
            sink, dest_id = self.parameterAsSink(parameters, name, context, table.fields(),
                                                 QgsWkbTypes.NoGeometry,
                                                 QgsCoordinateReferenceSystem())
            if sink is None:
                raise QgsProcessingException(self.invalidSinkError(parameters, name))
            for f in table.getFeatures():
                if not sink.addFeature(f, QgsFeatureSink.FastInsert):
                    raise QgsProcessingException(
                        "cannot write %s: %s" % (name, sink.lastError()))
            sink.flushBuffer()
            del sink
            result[name] = dest_id
        for name, path in self._csv_outputs.items():
            value = parameters.get(name)
            project = getattr(value, "destinationProject", None)
            if result.get(name) == path and project is not None and os.path.isfile(path):
                details = QgsProcessingContext.LayerDetails(
                    value.destinationName or self.parameterDefinition(name).description(),
                    project, name)
                context.addLayerToLoadOnCompletion(path, details)
        return result

    # --- running ------------------------------------------------------------
    def prepare(self, parameters, context, feedback):
        """Return ``(inputs, params, outputs)`` for the worker (paths as str)."""
        raise NotImplementedError

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        self._csv_outputs, self._sink_outputs = {}, {}
        inputs, params, outputs = self.prepare(parameters, context, feedback)
        ok, report = runner.check_worker()
        if ok:
            missing = self.step_missing(report)
            if missing:
                raise QgsProcessingException(missing)
        # Legends of the styles in the language of QGIS's interface.
        params.setdefault("lang", "zh" if ui_language() == "zh" else "en")
        result = runner.run_step(self.STEP, inputs, params, outputs, feedback)
        # The worker stored the core's styles in each GeoPackage (layer_styles)
        # and wrote the default one beside it; apply it when Processing loads it.
        for key, qml in (result.get("styles") or {}).items():
            path = result.get(key)
            if qml and path:
                self.style_on_load(path, qml, context)
        result = {k: v for k, v in result.items() if k != "styles"}
        return self.sink_tables(result, parameters, context, feedback)

    @staticmethod
    def style_on_load(path, qml, context):
        """Apply ``qml`` (None: the layer's stored default style) when Processing
        loads ``path`` at the end of the run."""
        if context.willLoadLayerOnCompletion(path):
            key = (path, id(context))
            pp = _StyleLayer(qml, key)
            _POST_PROCESSORS[key] = pp
            context.layerToLoadOnCompletionDetails(path).setPostProcessor(pp)

