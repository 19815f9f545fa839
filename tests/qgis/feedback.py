"""A Processing feedback that records the log and the progress (tests/qgis scripts).

Shared by ``driver.py`` (headless QGIS) and ``desktop.py`` (the QGIS desktop);
it runs inside QGIS's own Python and imports only QGIS.
"""

from qgis.core import QgsProcessingFeedback


class Feedback(QgsProcessingFeedback):
    def __init__(self):
        super().__init__()
        self.log = []
        self.progress_values = []
        self.progressChanged.connect(self.progress_values.append)

    def pushInfo(self, info):  # noqa: N802
        self.log.append(("info", info))

    def pushWarning(self, info):  # noqa: N802
        self.log.append(("warning", info))

    def reportError(self, error, fatalError=False):  # noqa: N802
        self.log.append(("error", error))

    def pushDebugInfo(self, info):  # noqa: N802
        self.log.append(("debug", info))

    def pushConsoleInfo(self, info):  # noqa: N802
        self.log.append(("console", info))

    def pushCommandInfo(self, info):  # noqa: N802
        self.log.append(("command", info))
