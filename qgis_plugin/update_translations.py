"""Update the plugin's translation sources (Qt .ts) from the tools, then build the .qm.

Run with QGIS's Python (Debian: ``QT_QPA_PLATFORM=offscreen /usr/bin/python3
qgis_plugin/update_translations.py``).  It loads the provider in English and
collects every name QGIS shows -- the provider's long name, the Toolbox
groups, each tool's and model's name, every parameter label, the settings and
the menu entry -- into ``spatial_carbon_qgis/i18n/spatial_carbon_<lang>.ts``
(context ``spatial_carbon``).  Existing translations are kept, new strings
are added as unfinished (translate them in Qt Linguist or in the file), and
strings no longer used are marked obsolete.  Then ``lrelease`` (Debian
package qttools5-dev-tools) compiles each .ts into the .qm the plugin loads.

``tests/test_qgis_plugin.py`` checks that every shown name has a Chinese
translation and that the .qm is the one lrelease builds from the .ts.
"""

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

HERE = os.path.dirname(os.path.abspath(__file__))
I18N = os.path.join(HERE, "spatial_carbon_qgis", "i18n")
LANGS = ["zh_CN"]
CONTEXT = "spatial_carbon"


def shown_strings():
    """Every English string the plugin shows through ``tr`` (sorted, unique)."""
    sys.path.insert(0, HERE)
    from make_model import plugin_session

    with plugin_session() as prov:
        from spatial_carbon_qgis import names, worker_env

        out = {prov.longName(), "Activate", worker_env.SETUP_NAME, "Open '%s'",
               "Python interpreter with spatial_carbon installed (empty: %s; the tool '%s' "
               "sets it)",
               "the Processing setting %s", "the environment variable %s", "the default location"}
        out |= {g[0] for g in names.GROUPS.values()}
        for alg in prov.algorithms():
            out.add(alg.displayName())
            out |= {p.description() for p in alg.parameterDefinitions()}
    return sorted(out)


def update_ts(path, strings, lang):
    """Merge ``strings`` into the .ts at ``path`` (kept translations, new ones
    unfinished, unused ones obsolete)."""
    old = {}
    if os.path.isfile(path):
        for m in ET.parse(path).getroot().iter("message"):
            t = m.find("translation")
            old[m.findtext("source")] = (t.text or "", t.get("type"))
    ts = ET.Element("TS", {"version": "2.1", "language": lang, "sourcelanguage": "en"})
    ctx = ET.SubElement(ts, "context")
    ET.SubElement(ctx, "name").text = CONTEXT
    for s in strings + sorted(set(old) - set(strings)):
        m = ET.SubElement(ctx, "message")
        ET.SubElement(m, "source").text = s
        text, kind = old.get(s, ("", "unfinished"))
        t = ET.SubElement(m, "translation")
        t.text = text
        if s not in strings:
            t.set("type", "obsolete")
        elif not text:
            t.set("type", "unfinished")
        elif kind and kind != "obsolete":
            t.set("type", kind)
    ET.indent(ts)
    with open(path, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n')
        f.write(ET.tostring(ts, encoding="unicode"))
        f.write("\n")


def release(ts, qm):
    exe = shutil.which("lrelease") or shutil.which("lrelease-qt5")
    if exe is None:
        raise SystemExit("lrelease not found (Debian: apt-get install qttools5-dev-tools)")
    subprocess.run([exe, "-silent", "-nounfinished", ts, "-qm", qm], check=True)


def main():
    strings = shown_strings()
    os.makedirs(I18N, exist_ok=True)
    for lang in LANGS:
        ts = os.path.join(I18N, "spatial_carbon_%s.ts" % lang)
        update_ts(ts, strings, lang)
        release(ts, ts[:-3] + ".qm")
        print(ts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
