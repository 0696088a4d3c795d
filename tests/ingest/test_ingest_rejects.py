"""The rejects file: original columns + line/field/value/reason, BOM, streaming, stale files, reload."""

from __future__ import annotations

import csv
from pathlib import Path

from ingest_support import TODAY

from oprisk.ingest.rejects import Reject, RejectsWriter, rejects_path, write_rejects
from oprisk.ingest.rows import read_rows


def read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_message_format() -> None:
    r = Reject(3, "gross_loss", "-5", "must be ≥ 0", column="损失金额(万元)")
    assert r.message == "invalid value '-5' for '损失金额(万元) → gross_loss': must be ≥ 0"
    assert str(Reject(9, None, "x", "malformed JSON")) == "line 9: malformed JSON"


def test_chinese_rejects_open_in_excel_and_reload_after_fixing(corpus: Path) -> None:
    src = corpus / "zh_CN_incidents_gb18030.csv"
    stream = read_rows(src, "incidents", "zh-CN", today=TODAY)
    rejected = [(r.line, r.rejects, r.record) for r in stream if r.row is None]
    path = write_rejects(src, rejected, stream.columns)
    assert path is not None and path.read_bytes()[:3] == b"\xef\xbb\xbf"
    rows = read(path)
    assert [r["line"] for r in rows] == ["6", "7"]
    assert rows[0]["损失事件类型"] == "网络诈骗" and rows[0]["field"] == "损失事件类型 → event_type"
    # fix the cells and load the rejects file itself: the four extra columns are ignored
    rows[0]["损失事件类型"] = "外部欺诈"
    rows[1]["发现日期"] = "2024年6月12日"
    fixed = corpus / "fixed.csv"
    with open(fixed, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.DictWriter(f, list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    assert all(r.row is not None for r in read_rows(fixed, "incidents", "zh-CN", today=TODAY))


def test_no_rejects_removes_a_stale_file(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    stale = rejects_path(src)
    stale.write_text("old")
    assert write_rejects(src, [], ["a"]) is None
    assert not stale.exists()


def test_name_clash_and_stray_keys(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    with RejectsWriter(src, ["id", "reason"]) as w:
        w.add(1, [Reject(1, "id", "", "required")], {"id": "", "reason": "dup"})
        w.add(2, [Reject(2, None, "{", "malformed JSON")], {"_raw": "{"})
        w.add(3, [], {"id": "ignored"})
    rows = read(w.path)
    assert list(rows[0]) == ["id", "reason", "line", "field", "value", "reject_reason", "_other"]
    assert (
        rows[0]["reason"] == "dup"
        and rows[0]["reject_reason"] == "invalid value '' for 'id': required"
    )
    assert rows[1]["_other"] == '{"_raw": "{"}' and w.count == 2


def test_failure_midway_leaves_no_partial_file(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    try:
        with RejectsWriter(src, ["a"]) as w:
            w.add(1, [Reject(1, "a", "x", "bad")], {"a": "x"})
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert list(tmp_path.iterdir()) == []
