"""Writes indicator CSV fixtures in every BioCube layout (Documentation/Reference.md §3) plus the planes a
reader must produce on the Europe 0.25° grid, computed here independently.

    python scripts/make_indicator_fixtures.py OUTDIR

Rules the expectations encode (Documentation/Indicators.md): coordinates snapped by value
(0…360 longitudes accepted); duplicate cells: first row wins, except in the Variable-column
layout where the last row per cell and indicator wins; empty cells, rows off the grid and
years/months without a column are NaN; a month column serves its month, a year column every
month of its year.
"""
import os
import shutil
import sys

import numpy as np

LAT = 32.0 + 0.25 * np.arange(161)
LON = -25.0 + 0.25 * np.arange(281)
rng = np.random.default_rng(20240601)


def cell_points(n):
    """n distinct on-grid points (row, column)."""
    idx = rng.choice(161 * 281, size=n, replace=False)
    return [(int(i // 281), int(i % 281)) for i in idx]


def fmt(v):
    return "" if v is None else repr(round(float(v), 4))


def write(path, header, rows, crlf=False, bom=False):
    nl = "\r\n" if crlf else "\n"
    text = nl.join([",".join(header)] + [",".join(r) for r in rows]) + nl
    with open(path, "wb") as f:
        f.write((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))


class Expect:
    def __init__(self):
        self.planes = {}

    def plane(self, var, step):
        return self.planes.setdefault((var, step), np.full((161, 281), np.nan, np.float32))

    def save(self, out):
        os.makedirs(out, exist_ok=True)
        for (var, step), p in self.planes.items():
            p.astype("<f4").tofile(os.path.join(out, f"{var}_{step}.f32"))


def lonstr(c, wrap):
    lon = LON[c]
    return repr(float(lon % 360 if wrap and lon < 0 else lon))


def year_file(out, exp, name, var, years, months_for_expect, bom=False, crlf=False):
    pts = cell_points(150)
    header = ["Country", "Latitude", "Longitude"] + [f"{var}_{y}" for y in years]
    rows, seen = [], set()
    for k, (r, c) in enumerate(pts):
        vals = [None if rng.random() < 0.1 else rng.uniform(0, 100) for _ in years]
        country = '"Bosnia and Herzegovina, Federation"' if k % 17 == 0 else "Testland"
        rows.append([country, repr(float(LAT[r])), lonstr(c, wrap=k % 3 == 0)] + [fmt(v) for v in vals])
        if (r, c) not in seen:
            seen.add((r, c))
            for y, v in zip(years, vals):
                for m in months_for_expect:
                    exp.plane(var, f"{y}-{m:02d}")[r, c] = np.float32(round(v, 4)) if v is not None else np.nan
        # a border duplicate after the original row: ignored (first row wins)
        if k % 10 == 0:
            rows.append(["Neighbourland", repr(float(LAT[r])), lonstr(c, wrap=False)] + ["-1.0"] * len(years))
    rows.append(["Farland", "80.0", "10.0"] + ["5"] * len(years))       # off the grid
    rows.append(["Offlattice", "45.1", "10.0"] + ["5"] * len(years))    # between grid points
    # years past the table: NaN planes
    for m in months_for_expect:
        exp.plane(var, f"{years[-1] + 1}-{m:02d}")
    write(os.path.join(out, name), header, rows, crlf=crlf, bom=bom)


def month_file(out, exp, name, var, year, months):
    pts = cell_points(120)
    header = ["Country", "Latitude", "Longitude"] + [f"{var}_{m:02d}/{year}" for m in months]
    rows = []
    for k, (r, c) in enumerate(pts):
        vals = [None if rng.random() < 0.05 else rng.uniform(-0.2, 0.9) for _ in months]
        rows.append(["Testland", repr(float(LAT[r])), lonstr(c, wrap=k % 4 == 0)] + [fmt(v) for v in vals])
        for m, v in zip(months, vals):
            exp.plane(var, f"{year}-{m:02d}")[r, c] = np.float32(round(v, 4)) if v is not None else np.nan
    write(os.path.join(out, name), header, rows)


def agriculture_file(out, exp, name, years):
    header = ["Variable", "Country", "Latitude", "Longitude"] + [f"Agri_{y}" for y in years]
    rows = []
    for var in ["Agriculture", "Agriculture_Irrigated", "Arable", "Cropland"]:
        for k, (r, c) in enumerate(cell_points(80)):
            vals = [None if rng.random() < 0.1 else rng.uniform(0, 60) for _ in years]
            rows.append([var, "Testland", repr(float(LAT[r])), lonstr(c, wrap=k % 5 == 0)] + [fmt(v) for v in vals])
            final = vals
            if k % 8 == 0:  # a later duplicate row wins in this layout
                final = [rng.uniform(0, 60) for _ in years]
                rows.append([var, "Otherland", repr(float(LAT[r])), lonstr(c, wrap=False)] + [fmt(v) for v in final])
            for y, v in zip(years, final):
                exp.plane(var, f"{y}-06")[r, c] = np.float32(round(v, 4)) if v is not None else np.nan
    write(os.path.join(out, name), header, rows)


def combined_land_file(out, exp, name, years, ndvi_year, months):
    pts = cell_points(100)
    header = ["Country", "Latitude", "Longitude"] + [str(y) for y in years] + [f"NDVI_{m:02d}/{ndvi_year}" for m in months]
    rows = []
    for r, c in pts:
        land = [rng.uniform(0, 100) for _ in years]
        ndvi = [rng.uniform(0, 1) for _ in months]
        rows.append(["Testland", repr(float(LAT[r])), repr(float(LON[c]))] + [fmt(v) for v in land + ndvi])
        for y, v in zip(years, land):
            exp.plane("Land", f"{y}-03")[r, c] = np.float32(round(v, 4))
        for m, v in zip(months, ndvi):
            exp.plane("NDVI", f"{ndvi_year}-{m:02d}")[r, c] = np.float32(round(v, 4))
    write(os.path.join(out, name), header, rows)


def bad_files(out):
    os.makedirs(out, exist_ok=True)
    write(os.path.join(out, "unknown_layout.csv"), ["Country", "X", "Y", "Forest_2000"], [["A", "1", "2", "3"]])
    write(os.path.join(out, "no_time_columns.csv"), ["Country", "Latitude", "Longitude", "Notes"], [["A", "45.0", "5.0", "x"]])
    write(os.path.join(out, "bad_number.csv"), ["Country", "Latitude", "Longitude", "Forest_2000", "Forest_2001"],
          [["A", "45.0", "5.0", "1.5", "2.5"], ["B", "45.25", "5.0", "3.5", '"1,250"']])
    write(os.path.join(out, "ragged.csv"), ["Country", "Latitude", "Longitude", "Forest_2000"],
          [["A", "45.0", "5.0", "1.5"], ["B", "45.25", "5.0"]])
    with open(os.path.join(out, "not_utf8.csv"), "wb") as f:
        f.write(b"Country,Latitude,Longitude,Forest_2000\nC\xf4te,45.0,5.0,1.0\n")
    with open(os.path.join(out, "header_not_utf8.csv"), "wb") as f:
        f.write(b"Country,Latitude,Longitude,F\xf6rest_2000\nA,45.0,5.0,1.0\n")
    open(os.path.join(out, "empty.csv"), "w").close()
    write(os.path.join(out, "bad_latitude.csv"), ["Country", "Latitude", "Longitude", "Forest_2000"], [["A", "north", "5.0", "1"]])


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "Tests/Fixtures/indicators"
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    exp = Expect()
    year_file(out, exp, "Europe_forest_data.csv", "Forest", [2000, 2001], [1, 7], bom=True, crlf=True)
    year_file(out, exp, "Europe_red_list_index.csv", "RLI", [1999, 2000], [1, 12])
    month_file(out, exp, "Europe_ndvi_monthly_un_025.csv", "NDVI", 2000, [1, 2, 3])
    agriculture_file(out, exp, "Europe_combined_agriculture_data.csv", [2000, 2001])
    combined_land_file(out, exp, "Europe_land_combined.csv", [2000, 2001], 2001, [1, 2])
    exp.save(os.path.join(out, "expected"))
    bad_files(os.path.join(out, "bad"))
    open(os.path.join(out, ".complete"), "w").close()
    print(f"wrote indicator fixtures to {out}")


if __name__ == "__main__":
    main()
