"""The export reports progress (one step per template, format and manifest check) and returns
results that print well."""

from __future__ import annotations

import io

from oprisk.progress import progress


def test_export_reports_a_step_per_template_format_and_manifest_check(seeded, tmp_path):
    db, t = seeded
    out = io.StringIO()
    reporter = progress(True, stream=out, interval=0)  # off a terminal: status lines
    result = db.reports.export("all", "2025", t, ["xlsx", "csv"], tmp_path / "x", progress=reporter)
    lines = out.getvalue().splitlines()
    templates = result.manifest["templates"]
    # read the losses, each template, the two formats, the log's digest and checkpoint
    steps = 1 + len(templates) + 2 + 2
    assert lines[-1].startswith("export: the log's checkpoint: ")
    assert f": {steps}/{steps} (100%)" in lines[-1] and lines[-1].endswith(", done")
    assert any(line.startswith("export: c17.01: ") for line in lines)
    assert any(line.startswith("export: write csv: ") for line in lines)


def test_export_is_silent_when_asked(seeded, tmp_path, monkeypatch):
    db, t = seeded
    monkeypatch.setenv("OPRISK_PROGRESS", "1")  # forced on, but progress=False wins
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    db.reports.export("all", "2025", t, "csv", tmp_path / "q", progress=False)
    assert err.getvalue() == ""


def test_export_and_verify_results_print_short(seeded, tmp_path):
    db, t = seeded
    result = db.reports.export("all", "2025", t, ["xlsx", "csv"], tmp_path / "r")
    text = repr(result)
    assert len(text) < 1024 and text.startswith(f"<ExportResult {len(result.files)} file(s)")
    assert f"as known at position {result.manifest['knowledge_cutoff']['position']}" in text
    frame = result.summary()
    assert list(frame.columns) == ["file", "sha256"] and len(frame) == len(result.files)
    assert frame.sha256.str.fullmatch(r"[0-9a-f]{64}").all()
    assert "<table" in result._repr_html_()
    check = db.reports.verify(tmp_path / "r")
    assert check.ok and len(repr(check)) < 1024
    assert repr(check).startswith(f"<VerifyReport ok: {len(result.files)} file(s) checked")
    assert set(check.summary().kind) == {"checked"} and "<table" in check._repr_html_()
