"""Derives Sources/BioCubeIndicators/Resources/countries.geojson from Natural Earth's 1:110m
admin-0 countries (public domain), as shipped inside the geopandas 0.14 wheel on PyPI.

    pip install pyshp                       # shapefile reader (pure Python)
    python scripts/derive_natural_earth.py  # downloads geopandas==0.14.4 (no deps) from PyPI

Output: a compact GeoJSON FeatureCollection, one Feature per country with properties
`name`, `iso_a3` and `continent`, coordinates rounded to 1e-4 degrees. Natural Earth marks a
few countries' ISO codes as -99; they are filled in here (France FRA, Norway NOR, Kosovo XKX,
as the World Bank codes them).
"""
import glob
import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile

import shapefile  # pyshp

FIXED_CODES = {"France": "FRA", "Norway": "NOR", "Kosovo": "XKX", "N. Cyprus": "CYN", "Somaliland": "SOL"}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "Sources/BioCubeIndicators/Resources/countries.geojson"
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "geopandas==0.14.4", "--no-deps", "-d", tmp], check=True)
        wheel = zipfile.ZipFile(glob.glob(os.path.join(tmp, "*.whl"))[0])
        base = "geopandas/datasets/naturalearth_lowres/naturalearth_lowres"
        reader = shapefile.Reader(shp=io.BytesIO(wheel.read(base + ".shp")), shx=io.BytesIO(wheel.read(base + ".shx")),
                                  dbf=io.BytesIO(wheel.read(base + ".dbf")), encoding="latin-1")
        fields = [f[0] for f in reader.fields[1:]]
        features = []
        for rec, shape in zip(reader.records(), reader.shapes()):
            props = dict(zip(fields, rec))
            parts = list(shape.parts) + [len(shape.points)]
            rings = [[[round(x, 4), round(y, 4)] for x, y in shape.points[parts[i]:parts[i + 1]]] for i in range(len(parts) - 1)]
            code = props["iso_a3"] if props["iso_a3"] != "-99" else FIXED_CODES.get(props["name"], "-99")
            # Shapefile rings: outer rings clockwise, holes counter-clockwise; the reader
            # classifies by even-odd, so rings are kept as one list.
            features.append({"type": "Feature",
                             "properties": {"name": props["name"], "iso_a3": code, "continent": props["continent"]},
                             "geometry": {"type": "MultiPolygon", "coordinates": [[r] for r in rings]}})
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump({"type": "FeatureCollection",
                   "source": "Natural Earth 1:110m admin-0 countries (public domain), via geopandas 0.14.4",
                   "features": features}, f, separators=(",", ":"))
    print(f"wrote {len(features)} countries to {out} ({os.path.getsize(out) // 1024} KiB)")


if __name__ == "__main__":
    main()
