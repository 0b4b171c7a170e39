"""pyarrow reads every file of BioCube's Parquet writer matrix and finds the values the
writer's formulas produce (Tests/Tools/biocube-testdata/ParquetMatrix.swift, `biocube-testdata parquet-matrix`)."""
import math

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

CODECS = {"none": "UNCOMPRESSED", "snappy": "SNAPPY", "zstd": "ZSTD"}
CASES = [f"{c}-{d}-{n}" for c in CODECS for d in ("dict", "plain") for n in (0, 1, 1000, 130001)]


@pytest.fixture(scope="module")
def matrix(testdata, tmp_path_factory):
    out = tmp_path_factory.mktemp("parquet-matrix")
    testdata("parquet-matrix", out)
    return out


def expected(rows):
    r = np.arange(rows, dtype=np.int64)
    dist = np.where(r % 17 == 0, np.nan, (r % 40) * 1.5)
    return {
        "Species": [str(1340000 + i % 28) for i in range(rows)],
        "Key": (r * 7919 - 3_000_000_000).tolist(),
        "Latitude": (32 + (r % 161) * 0.25).tolist(),
        "Distribution": [None if i % 5 == 2 else float(dist[i]) for i in range(rows)],
        "Family": [None if i % 4 == 1 else f"Família {i % 9}" for i in range(rows)],
        "Timestamp": ((946_684_800 + (r % 246) * 2_592_000) * 1_000_000_000).tolist(),
        "Observed": [None if i % 3 == 0 else 1_000_000_000_000 + i * 1_000_003 for i in range(rows)],
    }


def same(a, b):
    if a is None or b is None:
        return a is b
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return a == b


@pytest.mark.parametrize("case", CASES)
def test_pyarrow_reads_biocube_parquet(matrix, case):
    codec, encoding, rows = case.split("-")
    rows = int(rows)
    f = pq.ParquetFile(matrix / f"{case}.parquet")
    assert f.metadata.num_rows == rows
    assert f.metadata.num_row_groups == max(1, -(-rows // 50_000))
    assert f.metadata.metadata[b"biocube:case"] == case.encode()
    schema = f.schema_arrow
    assert schema.field("Species").type == pa.string() and not schema.field("Species").nullable
    assert schema.field("Key").type == pa.int64()
    assert schema.field("Distribution").nullable
    assert schema.field("Timestamp").type == pa.timestamp("ns")
    assert schema.field("Observed").type == pa.timestamp("us", tz="UTC")
    # Every page carries its CRC-32 (issue #15): pyarrow verifies them all.
    table = pq.read_table(matrix / f"{case}.parquet", page_checksum_verification=True)
    want = expected(rows)
    for name, values in want.items():
        col = table.column(name)
        if name in ("Timestamp", "Observed"):
            got = [None if v is None else v for v in col.cast(pa.int64()).to_pylist()]
        else:
            got = col.to_pylist()
        assert len(got) == rows
        bad = [i for i, (g, w) in enumerate(zip(got, values)) if not same(g, w)]
        assert not bad, f"{case} {name}: first mismatch at row {bad[0]}: {got[bad[0]]!r} != {values[bad[0]]!r}"
    for g in range(f.metadata.num_row_groups):
        rg = f.metadata.row_group(g)
        for c in range(rg.num_columns):
            col = rg.column(c)
            assert col.compression == CODECS[codec]
            if rows:
                st = col.statistics
                assert st is not None and st.has_null_count
                # Only all-null or all-NaN chunks (the 1-row files) lack min/max, as in pyarrow.
                assert st.has_min_max or rows == 1, f"{case} {col.path_in_schema}: no min/max"
            if encoding == "dict" and rows:
                assert col.has_dictionary_page
    # Statistics agree with the data of the first row group.
    if rows:
        n = min(rows, 50_000)
        stats = f.metadata.row_group(0).column(1).statistics
        keys = want["Key"][:n]
        assert (stats.min, stats.max) == (min(keys), max(keys))
        species = f.metadata.row_group(0).column(0).statistics
        assert (species.min, species.max) == (min(want["Species"][:n]), max(want["Species"][:n]))
        dist = f.metadata.row_group(0).column(3).statistics
        assert dist.null_count == sum(1 for v in want["Distribution"][:n] if v is None)


def test_duckdb_style_projection_reads_one_column(matrix):
    # Reading a single column (what DuckDB and pyarrow projections do) must not need the others.
    t = pq.read_table(matrix / "snappy-dict-130001.parquet", columns=["Latitude"])
    assert t.num_rows == 130001 and t.column_names == ["Latitude"]


def test_a_flipped_bit_in_a_biocube_page_fails_pyarrows_checksum(matrix, tmp_path):
    data = bytearray((matrix / "zstd-plain-1000.parquet").read_bytes())
    data[200] ^= 0x01  # inside the first page's compressed values
    bad = tmp_path / "flipped.parquet"
    bad.write_bytes(bytes(data))
    with pytest.raises(OSError, match="CRC"):
        pq.read_table(bad, page_checksum_verification=True)
