"""Property: for generated CSV files, records read = valid rows + rejected rows; nothing is lost."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest_support import TODAY

from oprisk.ingest.rows import read_rows

COLUMNS = [
    "external_id",
    "title",
    "event_type",
    "business_line",
    "legal_entity",
    "discovered_on",
    "currency",
    "gross_loss",
]
GOOD = {
    "external_id": st.text("ABC123-", min_size=1, max_size=6),
    "title": st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), max_size=30
    ),
    "event_type": st.sampled_from(
        ["ET1", "ET2.1", "外部欺诈", "Internal Fraud", "執行、交割和流程管理事件"]
    ),
    "business_line": st.sampled_from(["BL3", "零售银行", "Retail Banking", "BL41"]),
    "legal_entity": st.sampled_from(["Bank A", "银行"]),
    "discovered_on": st.dates(min_value=TODAY.replace(year=2000), max_value=TODAY).map(str),
    "currency": st.sampled_from(["EUR", "CNY", "usd"]),
    "gross_loss": st.decimals(min_value=0, max_value=10**9, places=2).map(str),
}
BAD = {
    "external_id": st.just(""),
    "event_type": st.sampled_from(["ET9", "盗窃和欺诈", ""]),
    "discovered_on": st.sampled_from(["2025-02-30", "yesterday", "2099-01-01"]),
    "currency": st.sampled_from(["EURO", "€€"]),
    "gross_loss": st.sampled_from(["-1", "abc", "1.2.3", "NaN"]),
}


@st.composite
def rows(draw: st.DrawFn) -> tuple[dict[str, str], bool]:
    row = {c: draw(GOOD[c]) for c in COLUMNS}
    broken = draw(st.sets(st.sampled_from(sorted(BAD)), max_size=2))
    for c in broken:
        row[c] = draw(BAD[c])
    return row, bool(broken)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.lists(rows(), max_size=25),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "gb18030"]),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_no_row_is_lost(
    data: list[tuple[dict[str, str], bool]], encoding: str, delimiter: str, newline: str
) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=newline)
    w.writerow(COLUMNS)
    for row, _ in data:
        w.writerow([row[c] for c in COLUMNS])
    text = buf.getvalue()
    if encoding == "gb18030":
        text = "".join(ch for ch in text if ch.encode("gb18030", "ignore"))
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / "gen.csv"
        path.write_bytes(text.encode(encoding))
        mapping = None
        if encoding == "gb18030":  # random text is not Chinese: the sniffer would refuse it
            mapping = Path(tmp) / "gen.toml"
            mapping.write_text('extends = "canonical"\n[read]\nencoding = "gb18030"\n')
        results = list(read_rows(path, "incidents", mapping, today=TODAY))
    valid = [r for r in results if r.row is not None]
    rejected = [r for r in results if r.row is None]
    assert len(results) == len(data) == len(valid) + len(rejected)
    assert all(r.rejects for r in rejected) and not any(r.rejects for r in valid)
    assert len({r.line for r in results}) == len(
        results
    )  # one result per record, each with its own line
    ids = [r.row.external_id for r in valid]  # type: ignore[union-attr]
    assert len(ids) == len(set(ids))  # duplicates never both load
    for (row, broken), result in zip(data, results, strict=True):
        assert result.record["external_id"] == row["external_id"]  # the original cells come back
        if broken:
            assert result.row is None
