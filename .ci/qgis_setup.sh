#!/usr/bin/env bash
# Prepare the QGIS plugin tests (tests/test_qgis_plugin.py) on Debian bookworm.
#
#  1. QGIS 3.22 from Debian (qgis, qgis-providers, python3-qgis) for
#     /usr/bin/python3, unless already installed (needs root for apt-get);
#  2. the worker venv: Debian's python3 -m venv (no system site-packages: the
#     worker's pip wheels must not mix with Debian's numpy/GDAL bindings) with
#     spatial_carbon installed editable from this checkout;
#  3. an offline wheelhouse: the wheels of spatial_carbon's dependencies for
#     Debian's python3, so that tests/test_qgis_desktop.py runs the tool
#     "Set up the spatial_carbon worker" without downloading anything;
#  4. Xvfb (the QGIS desktop tests) and lrelease (the plugin's translation).
#
# Prints the line to export so the tests (and QGIS) find the worker:
#     export SPATIAL_CARBON_PYTHON=<repo>/.venv-qgis/bin/python
# tests/test_qgis_plugin.py also finds <repo>/.venv-qgis by itself.
# Environment: SPATIAL_CARBON_QGIS_VENV overrides the venv folder,
# SPATIAL_CARBON_WHEELHOUSE the wheelhouse folder (default <repo>/.wheelhouse).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SPATIAL_CARBON_QGIS_VENV:-$REPO/.venv-qgis}"
WHEELHOUSE="${SPATIAL_CARBON_WHEELHOUSE:-$REPO/.wheelhouse}"

need_apt=0
/usr/bin/python3 -c "import qgis.core, qgis.analysis" 2>/dev/null || need_apt=1
[ -x /usr/bin/qgis_process.bin ] || need_apt=1
/usr/bin/python3 -c "import ensurepip" 2>/dev/null || need_apt=1
command -v xvfb-run >/dev/null || need_apt=1
command -v lrelease >/dev/null || need_apt=1
if [ "$need_apt" = 1 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "qgis_setup.sh: QGIS is missing and installing it needs root (apt-get)" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # qgis: qgis_process.bin and the core libraries; qgis-providers: OGR/GDAL,
    # delimited-text providers; python3-qgis: PyQGIS and the Processing plugin;
    # xvfb, xauth: a display for the desktop tests; qttools5-dev-tools: lrelease.
    apt-get install -y -qq --no-install-recommends \
        qgis qgis-providers python3-qgis python3-venv python3-pip ca-certificates \
        xvfb xauth qttools5-dev-tools
fi

if [ ! -x "$VENV/bin/python" ]; then
    /usr/bin/python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q -e "$REPO[all]"
"$VENV/bin/python" -m spatial_carbon.qgis_worker check >/dev/null

# The wheels of spatial_carbon's dependencies for Debian's python3 (pip download
# is not blocked by PEP 668): pip resolves them from spatial_carbon's own wheel,
# the command docs/qgis.md gives for an offline machine.
mkdir -p "$WHEELHOUSE"
WHEEL_TMP="$(mktemp -d)"
/usr/bin/python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import build_zip; print(build_zip.build_wheel(sys.argv[2]))' \
    "$REPO/qgis_plugin" "$WHEEL_TMP" >/dev/null
# (pip download would take the metadata of a spatial_carbon wheel already in the
# folder instead of the fresh one: keep it out)
rm -f "$WHEELHOUSE"/spatial_carbon-*.whl
/usr/bin/python3 -m pip download -q --disable-pip-version-check --only-binary=:all: \
    -d "$WHEELHOUSE" "$WHEEL_TMP"/spatial_carbon-*.whl
rm -rf "$WHEEL_TMP" "$WHEELHOUSE"/spatial_carbon-*.whl
echo "wheelhouse: $WHEELHOUSE ($(ls "$WHEELHOUSE"/*.whl | wc -l) wheels)" >&2

echo "QGIS: $(QT_QPA_PLATFORM=offscreen /usr/bin/python3 -c 'from qgis.core import Qgis; print(Qgis.QGIS_VERSION)' 2>/dev/null)" >&2
echo "export SPATIAL_CARBON_PYTHON=$VENV/bin/python"
echo "export SPATIAL_CARBON_WHEELHOUSE=$WHEELHOUSE"
