"""Streaming: a 200k-row file is read with a memory peak far below its in-memory size."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from ingest_support import TODAY

from oprisk.ingest.readers import open_records
from oprisk.ingest.rows import read_rows

HEADER = "external_id,title,event_type,business_line,legal_entity,discovered_on,currency,gross_loss,description\n"


def write_file(path: Path, n: int) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(HEADER)
        for i in range(n):
            f.write(
                f'INC-{i:07d},Incident {i},ET2,BL3,Bank A,2024-01-{i % 28 + 1:02d},EUR,{i}.50,"Some text, with a comma"\n'
            )


@pytest.mark.slow
def test_200k_rows_stream_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    n = 200_000
    write_file(path, n)
    # the file's in-memory size as records: measure a sample and scale
    tracemalloc.start()
    sample = [r.values for _, r in zip(range(2000), open_records(path), strict=False)]
    in_memory = tracemalloc.get_traced_memory()[0] * n / len(sample)
    del sample
    tracemalloc.stop()

    tracemalloc.start()
    count = sum(1 for _ in open_records(path))
    reader_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == n
    assert reader_peak < in_memory / 50, (reader_peak, in_memory)  # a few MB of buffers vs ~160 MB

    tracemalloc.start()
    ok = sum(1 for r in read_rows(path, "incidents", today=TODAY) if r.row is not None)
    pipeline_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert ok == n
    # the only thing that grows is the set of ids seen (duplicate detection)
    print(
        f"records {in_memory / 1e6:.0f} MB, reader peak {reader_peak / 1e6:.1f} MB, pipeline peak {pipeline_peak / 1e6:.1f} MB"
    )
    assert pipeline_peak < in_memory / 5, (pipeline_peak, in_memory)
