"""Write notebooks/seed001_study.ipynb (cells kept here as plain text so that
diffs stay readable).  Run ``python notebooks/make_seed001_notebook.py``
after editing; the notebook is committed without outputs and executed in CI
by tests/test_notebook.py."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

CELLS = [
    ("md", """# Seed-001 study on the bundled data, step by step

This notebook walks the three-dimensional industrial carbon footprint study of
China's provinces (seed 001) through spatial_carbon's public Python API, on the
sample data shipped with the package (`data/README.md` gives sources and
licences):

* industrial CO2 (ICE) from the CEADs provincial inventories (Mt CO2 -> t CO2),
* carbon sinks (CS) from land cover (the bundled MODIS 2019 raster stands in for
  the 30 m CLCD rasters users download),
* the footprint (ICF, CEC, deficit, size, depth, per capita),
* quadrant mitigation zones and natural breaks,
* spatial weights with an explicit island policy, global Moran's I, LISA and
  LISA transitions,
* the maps and charts.

The same study runs in one command: `spatial-carbon demo --out results/`.
Figures are ordinary matplotlib figures (shown when they are a cell's value;
`maps.save_figure(fig, "icf", ("png", "pdf"))` writes them at 300 dpi).
Every table below is a plain pandas DataFrame keyed by `region_code` (GB/T 2260)
and `year`."""),
    ("code", """import warnings

import pandas as pd

from spatial_carbon.spatial import autocorr, classify, transitions, weights
from spatial_carbon.inventory import ceads, population
from spatial_carbon import datasets, footprint, landcover, maps, study
from spatial_carbon.footprint import sinks, zones
from spatial_carbon.errors import DataQualityWarning

YEARS = list(range(2000, 2020))      # the study period (the population table starts in 2000)
NEP_FOREST, NEP_GRASSLAND = 3.8096, 0.9482   # t per hm2 per year (Xie et al. 2008), as seed 001
pd.set_option("display.width", 120)"""),
    ("md", """## 1. Boundaries and industrial CO2 (ICE)

CEADs covers 30 provinces (no Tibet); the reader checks every sheet against its
own totals and returns a tidy table in Mt CO2. `industrial_emissions` sums the
industry sectors (mining, manufacturing, utilities)."""),
    ("code", """provinces = datasets.boundaries("province")          # 31 mainland provinces, EPSG:4326
tidy = ceads.read_provinces(datasets.ceads_dir(), years=YEARS)
ice = ceads.industrial_emissions(tidy)
study_regions = provinces[provinces["region_code"].isin(ice["region_code"])].reset_index(drop=True)
print(len(study_regions), "study regions;", ice["year"].min(), "-", ice["year"].max())
ice.head()"""),
    ("md", """## 2. Land cover -> carbon sinks (CS)

Class areas per province from the land-cover raster (pixel areas on the
ellipsoid, hm2), mapped to sink classes by the MODIS IGBP legend. The sample has
one year of land cover (2019); `fill_years(..., method="nearest")` applies it to
every study year and marks the copied rows (`source_year`)."""),
    ("code", """areas = landcover.class_areas([datasets.modis_landcover()], study_regions, "region_code",
                              legend="modis_igbp", years=[2019])
areas = study.fill_years(areas, YEARS, method="nearest")
sink = sinks.carbon_sink(areas, nep_forest=NEP_FOREST, nep_grassland=NEP_GRASSLAND)
sink.head()"""),
    ("md", """## 3. The three-dimensional footprint

ICF = ICE x share / NEP (hm2), CEC = carbon-absorbing area (hm2), deficit
ICD = max(ICF - CEC, 0), size = min(ICF, CEC), depth = 1 + ICD / CEC; per capita
with the yearbook population; national totals recomputed from the sums."""),
    ("code", """fp = footprint.compute(ice, sink, shares="national", basis="CO2",
                       nep_forest=NEP_FOREST, nep_grassland=NEP_GRASSLAND)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DataQualityWarning)   # a known yearbook jump (Heilongjiang 2013)
    pop = population.read_yearbook(datasets.population_csv())
fp = footprint.per_capita(fp, pop, years=YEARS)
national = footprint.national(fp)
national[["year", "ICE", "ICF", "CEC", "ICD", "ICF_size", "ICF_depth", "ICF_pc"]].tail()"""),
    ("code", """maps.national_series(national)"""),
    ("md", """## 4. Quadrant zones and natural breaks

Zones from the yearly z-scores of footprint size and depth (I core mitigation,
II critical, III observation, IV buffer). Natural breaks (Fisher-Jenks) are
computed per year and pooled over all years; the maps use the pooled breaks so
colours compare across years."""),
    ("code", """zt = zones.quadrants(fp)
print(zt[zt["year"] == 2019]["zone"].value_counts().sort_index().to_dict())
classes, breaks = classify.natural_breaks(fp, "ICF", k=5)
breaks[breaks["pooled"]]"""),
    ("code", """fig = maps.small_multiples(fp, provinces, "ICF", [2000, 2010, 2019],
                           breaks=breaks.assign(column="ICF"))
assert fig.spatial_carbon["legend_labels"][:5] == maps.class_labels(
    *(lambda b: (b["lower"].iloc[0], b["upper"].to_numpy()))(breaks[breaks["pooled"]]),
    scale=fig.spatial_carbon["scale"])
fig   # the legend shows the pooled breaks, in 10^6 hm2 (3 significant figures)"""),
    ("code", """maps.zones_map(zt, provinces, years=[2019])"""),
    ("md", """## 5. Spatial statistics

Queen contiguity leaves Hainan without a neighbour; the island policy links it
to its nearest province (symmetrically) and the connectivity report says so.
Permutation tests are seeded: same inputs, same p-values. The pseudo p-value is
GeoDa's folded one (the tail on the side of the observed statistic;
`alternative="two-sided"` doubles it); 9,999 permutations so that the smallest
attainable pseudo p (1/10,000) passes a Bonferroni correction over 30 regions
even two-sided (2/10,000 < 0.05/30)."""),
    ("code", """w, report = weights.build(study_regions, "region_code", "queen", islands="knn")
print(report.summary())
moran = pd.concat([autocorr.global_moran(fp, w, col, id_col="region_code", permutations=9999,
                                         seed=20191231).assign(column=col)
                   for col in ("ICF_size", "ICF_depth")], ignore_index=True)
moran[["column", "year", "I", "EI", "z_norm", "p_sim"]].iloc[[0, 9, 19, 20, 39]]"""),
    ("code", """maps.moran_series(moran)"""),
    ("code", """lisa = autocorr.local_moran(fp, w, "ICF_size", id_col="region_code", permutations=9999,
                            seed=20191231, alpha=0.05)
tr = transitions.lisa_transitions(lisa)
maps.lisa_figure(lisa, provinces, years=[2000, 2010, 2019])"""),
    ("code", """maps.transition_heatmap(tr.probabilities.reset_index(), tr.counts.reset_index(),
                        variable="ICF_size")"""),
    ("code", """last = lisa[lisa["year"] == 2019]
fig = maps.moran_scatter(last["z"].to_numpy(), lag=last["lag"].to_numpy(), standardize=False,
                         label="ICF_size", title="ICF_size 2019: Moran's I = {I:.3f}")
print("slope", round(fig.spatial_carbon["slope"], 4), "Moran's I",
      round(float(moran.query("column == 'ICF_size' and year == 2019")["I"].iloc[0]), 4))
fig"""),
    ("md", """## 6. Figures, QGIS styles and the report

`maps.study_figures` draws the standard figure set, `styles` writes QGIS layer
styles that match the figures, and `report.write_report` assembles a
self-contained HTML report from a study output folder (as written by
`spatial-carbon run`/`demo`)."""),
    ("code", """import tempfile
from pathlib import Path

from spatial_carbon import styles

out = Path(tempfile.mkdtemp())
tables = {"footprint": fp, "national": national, "breaks": breaks.assign(column="ICF"),
          "zones": zt, "moran": moran, "lisa": lisa.assign(column="ICF_size")}
paths = maps.study_figures(tables, provinces, out / "maps", years=[2000, 2019])
qml = styles.write_qml(styles.graduated_qml("ICF", breaks.assign(column="ICF")), out / "icf.qml")
print(len(paths), "figures;", qml.name)"""),
]


def build() -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.cells = [new_markdown_cell(src) if kind == "md" else new_code_cell(src)
                for kind, src in CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


if __name__ == "__main__":
    target = Path(__file__).with_name("seed001_study.ipynb")
    nbformat.write(build(), target)
    print(target)
