"""Names shown in QGIS (translated), Toolbox groups and the manual's URL of each tool.

No QGIS core imports beyond Qt, so base.py, the provider and the tools share it
without import cycles.
"""

import os

from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QLocale, QUrl

#: (English name, id) of each Toolbox group; names are translated when shown.
GROUP_SETUP = ("0 - Set up", "setup")
GROUP_INVENTORY = ("1 - Emissions inventory", "inventory")
GROUP_SINKS = ("2 - Land cover and carbon sinks", "sinks")
GROUP_FOOTPRINT = ("3 - Carbon footprint", "footprint")
GROUP_SPATIAL = ("4 - Spatial statistics", "spatial")
GROUP_IO = ("5 - Input-output carbon transfer", "io")
GROUP_STUDY = ("6 - Whole study", "study")
GROUPS = {g[1]: g for g in (GROUP_SETUP, GROUP_INVENTORY, GROUP_SINKS, GROUP_FOOTPRINT,
                            GROUP_SPATIAL, GROUP_IO, GROUP_STUDY)}

_PLUGIN = os.path.dirname(os.path.abspath(__file__))
#: The manual inside the plugin (built by build_zip.py from docs/qgis.md),
#: else docs/qgis.md of a source checkout.
HELP_FILES = (os.path.join(_PLUGIN, "help", "index.html"),
              os.path.join(os.path.dirname(os.path.dirname(_PLUGIN)), "docs", "qgis.md"))


def tr(text):
    """Translate a name or label shown in QGIS (context ``spatial_carbon``)."""
    return QCoreApplication.translate("spatial_carbon", text)


def help_anchor(name):
    """Anchor of a tool's section in docs/qgis.md (``<a id="tool-NAME">``)."""
    return "tool-" + name


def help_url(name):
    """URL of the tool's section of the manual (Help button of the dialog)."""
    for f in HELP_FILES:
        if os.path.isfile(f):
            url = QUrl.fromLocalFile(f)
            url.setFragment(help_anchor(name))
            return url.toString()
    return ""


def locale_name():
    """QGIS's user interface locale (``zh_CN``), as QGIS itself chooses it."""
    s = QgsSettings()
    if str(s.value("locale/overrideFlag", False)).lower() in ("true", "1"):
        name = s.value("locale/userLocale", "") or ""
    else:
        name = QLocale.system().name()
    return str(name or "en_US")


def translation_file(locale=None):
    """``i18n/spatial_carbon_<locale>.qm`` for the locale (or its language), or None."""
    locale = locale or locale_name()
    for name in (locale, locale.split("_")[0]):
        path = os.path.join(_PLUGIN, "i18n", "spatial_carbon_%s.qm" % name)
        if os.path.isfile(path):
            return path
    return None


def ui_language():
    """Language of QGIS's interface: ``zh``, ``en`` ..."""
    return locale_name().split("_")[0].lower()
