"""Hostile inputs at full size: peak memory and outcome of ``oprisk load`` for each.

The test suite runs the same code paths on small files with the limits lowered
(``tests/ingest/hostile.py``); this script writes the full-size inputs the issue names (a 1 GB
line, a 400 MB cell in a 410 kB XLSX, 1 GB of tiny rows …), loads each with the default limits in
a fresh subprocess on an embedded SQLite database, and reports the outcome (rows read = loaded +
rejected, or a one-line refusal), the seconds and the subprocess's peak RSS (``wait4``), then runs
``oprisk verify`` on the database. The target: peak RSS under 500 MB for every input.

Usage (repository root; needs ~8 GB of free disk in the temp folder)::

    .venv/bin/python benchmarks/hostile_inputs.py                       # every input
    .venv/bin/python benchmarks/hostile_inputs.py --only line_1gb.csv   # one
    .venv/bin/python benchmarks/hostile_inputs.py --write benchmarks/RESULTS-ingest.md
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

GB, MB = 1 << 30, 1 << 20
HEADER = (
    b"external_id,title,event_type,business_line,legal_entity,discovered_on,currency,gross_loss\n"
)
GOOD = b"H-%d,ok,ET2,BL3,Hostile Bank AG,2024-01-15,EUR,100.50\n"
INPUTS: dict[str, Callable[[Path], None]] = {}
MARK = "<!-- hostile inputs -->"


def hostile(name: str) -> Callable[[Callable[[Path], None]], Callable[[Path], None]]:
    def deco(fn: Callable[[Path], None]) -> Callable[[Path], None]:
        INPUTS[name] = fn
        return fn

    return deco


def _repeat(f: object, chunk: bytes, total: int) -> None:
    write = f.write  # type: ignore[attr-defined]
    for _ in range(total // len(chunk)):
        write(chunk)


@hostile("line_1gb.csv")
def line_1gb(path: Path) -> None:
    """A 1 GB line between two good rows (no newline in it)."""
    with open(path, "wb") as f:
        f.write(HEADER + GOOD % 1 + b"H-2,")
        _repeat(f, b"x" * MB, GB)
        f.write(b"\n" + GOOD % 3)


@hostile("quoted_1gb.csv")
def quoted_1gb(path: Path) -> None:
    """A quoted field of 1 GB over 20 million short lines (an unbalanced quote in practice)."""
    with open(path, "wb") as f:
        f.write(HEADER + GOOD % 1 + b'H-2,"')
        _repeat(f, b"a line inside the quotes ...........................\n" * 20_000, GB)
        f.write(b'",ET2,BL3,B,2024-01-15,EUR,1\n' + GOOD % 3)


@hostile("line_1gb.jsonl")
def line_1gb_jsonl(path: Path) -> None:
    good = b'{"external_id": "H-%d", "event_type": "ET2", "business_line": "BL3", "legal_entity": "B", "discovered_on": "2024-01-15", "currency": "EUR", "gross_loss": 1.5}\n'
    with open(path, "wb") as f:
        f.write(good % 1 + b'{"external_id": "H-2", "title": "')
        _repeat(f, b"y" * MB, GB)
        f.write(b'"}\n' + good % 3)


@hostile("inline_400mb.xlsx")
def inline_400mb(path: Path) -> None:
    """A 400 MB inline string in a 410 kB workbook (its sheet part is above the part limit)."""
    _inline(path, 400)


@hostile("inline_60mb.xlsx")
def inline_60mb(path: Path) -> None:
    """A 60 MB inline string: the sheet part is below the limit, the cell far above a field."""
    _inline(path, 60)


def _inline(path: Path, megabytes: int) -> None:
    def body(sheet: bytes, out: Any) -> None:
        head, tail = sheet.split(b"</sheetData>")
        out.write(head + b'<row r="3"><c r="A3" t="inlineStr"><is><t>')
        _repeat(out, b"z" * MB, megabytes * MB)
        out.write(b"</t></is></c></row></sheetData>" + tail)

    good = ["H-1", "ok", "ET2", "BL3", "B", "2024-01-15", "EUR", 100.5]
    _workbook(path, [HEADER.decode().strip().split(","), good], body)


def _workbook(path: Path, rows: list[list[Any]], sheet: Callable[[bytes, Any], None]) -> None:
    """An XLSX of ``rows`` whose sheet part ``sheet(xml, out)`` rewrites, streaming to ``out``."""
    from openpyxl import Workbook

    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    plain = path.with_suffix(".plain.xlsx")
    wb.save(plain)
    with (
        zipfile.ZipFile(plain) as src,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst,
    ):
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info, data)
                continue
            with dst.open(info.filename, "w", force_zip64=True) as out:
                sheet(data, out)
    plain.unlink()


@hostile("bomb_4gb.csv.gz")
def gzip_bomb(path: Path) -> None:
    """4 GB of one line from a few MB of gzip."""
    with gzip.open(path, "wb", compresslevel=9) as f:
        f.write(HEADER + GOOD % 1 + b"H-2,")
        _repeat(f, b"b" * MB, 4 * GB)
        f.write(b"\n" + GOOD % 3)


@hostile("zip_bomb.xlsx")
def zip_bomb(path: Path) -> None:
    """A workbook whose sheet inflates to 2 GB of whitespace."""

    def body(sheet: bytes, out: Any) -> None:
        out.write(sheet.replace(b"</worksheet>", b""))
        _repeat(out, b" " * MB, 2 * GB)
        out.write(b"</worksheet>")

    _workbook(path, [["external_id", "title"]], body)


@hostile("shared_strings_80mb.xlsx")
def shared_strings(path: Path) -> None:
    """A shared-string table just under the default part limit (80 MB), of short strings: the
    workbook part openpyxl holds in memory."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(HEADER.decode().strip().split(","))
    plain = path.with_suffix(".plain.xlsx")
    wb.save(plain)
    n = 79_000_000 // 24  # <si><t>s0000000</t></si> is 24 bytes
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/sharedStrings.xml":
                continue
            if info.filename == "xl/worksheets/sheet1.xml":  # the header cells as shared strings
                cells = "".join(
                    f'<c r="{c}1" t="s"><v>{n + i}</v></c>' for i, c in enumerate("ABCDEFGH")
                )
                data = (
                    data.split(b"<sheetData>")[0]
                    + f'<sheetData><row r="1">{cells}</row></sheetData></worksheet>'.encode()
                )
            if info.filename == "[Content_Types].xml" and b"sharedStrings" not in data:
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            if info.filename == "xl/_rels/workbook.xml.rels" and b"sharedStrings" not in data:
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdSS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
                )
            dst.writestr(info, data)
        with dst.open("xl/sharedStrings.xml", "w") as out:
            out.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            for i in range(0, n, 100_000):
                out.write(
                    b"".join(b"<si><t>s%07d</t></si>" % k for k in range(i, min(n, i + 100_000)))
                )
            for h in HEADER.decode().strip().split(","):
                out.write(f"<si><t>{h}</t></si>".encode())
            out.write(b"</sst>")
    plain.unlink()


@hostile("tiny_rows_1gb.csv")
def tiny_rows(path: Path) -> None:
    """1 GB of tiny rows, each with a new id and a bad amount: every row is rejected, so every
    per-row structure (duplicate ids, rejected ids, the report) meets 40 million rows."""
    with open(path, "wb") as f:
        f.write(
            b"external_id,event_type,business_line,legal_entity,discovered_on,currency,gross_loss\n"
        )
        block = 100_000
        i = 0
        while f.tell() < int(os.environ.get("HOSTILE_TINY_BYTES", GB)):
            f.write(b"".join(b"%x,ET1,BL1,B,2024-01-01,EUR,-1\n" % k for k in range(i, i + block)))
            i += block


def run(args: list[str], cwd: Path) -> tuple[int, float, float, str, str]:
    """Run the CLI; exit code, seconds, peak RSS (MB) of that process, stdout, stderr."""
    cmd = [sys.executable, "-c", "from oprisk.cli import main; main()", *args]
    t0 = time.perf_counter()
    with open(cwd / "out.txt", "wb") as out, open(cwd / "err.txt", "wb") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - t0
    text = (
        (cwd / "out.txt").read_text(errors="replace"),
        (cwd / "err.txt").read_text(errors="replace"),
    )
    return proc.returncode, seconds, usage.ru_maxrss / 1024, *text


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--only", action="append", help="run only this input (repeatable)")
    p.add_argument("--dir", default=None, help="keep the inputs in this folder (reused if present)")
    p.add_argument("--write", default=None, help="put the results into this Markdown file")
    a = p.parse_args()
    names = a.only or list(INPUTS)
    tmp = tempfile.TemporaryDirectory(prefix="oprisk-hostile-") if a.dir is None else None
    folder = Path(a.dir or tmp.name)  # type: ignore[union-attr]
    folder.mkdir(parents=True, exist_ok=True)
    db = f"sqlite:///{folder / 'hostile.db'}"
    rows = []
    for name in names:
        path = folder / name
        if not path.exists():
            t0 = time.perf_counter()
            INPUTS[name](path)
            print(
                f"wrote {name}: {path.stat().st_size:,} bytes in {time.perf_counter() - t0:.0f} s",
                file=sys.stderr,
            )
        code, seconds, rss, out, err = run(
            ["--db", db, "load", str(path), "--json", "--no-progress", "--source", name], folder
        )
        if code == 2:
            outcome = (
                "refused: "
                + err.strip()
                .splitlines()[-1]
                .removeprefix("error: ")
                .replace(str(folder) + "/", "")[:150]
            )
        else:
            try:
                r = json.loads(out)
            except ValueError:
                outcome = f"exit {code}, no report: {err.strip()[-300:]}"
            else:
                parts = ("loaded", "changed", "unchanged", "rejected")
                ok = r["rows_read"] == sum(r[k] for k in parts)
                reason = next(iter(r["rejected_by_reason"]), "")
                terms = " + ".join(f"{r[k]:,} {k}" for k in parts if r[k] or k != "changed")
                outcome = (
                    f"{r['rows_read']:,} rows = {terms}{'' if ok else ' (does not add up!)'}; "
                    f"{reason[:70]}"
                )
        traceback = "Traceback" in out + err
        size = path.stat().st_size
        rows.append((name, size, code, seconds, rss, outcome, traceback))
        print(f"{name}: exit {code}, {seconds:.0f} s, {rss:,.0f} MB, {outcome}", file=sys.stderr)
        for leftover in folder.glob(f"{name}.rejects.csv"):
            leftover.unlink()
    code, _, _, out, _ = run(["--db", db, "verify", "--json"], folder)
    verified = code == 0 and json.loads(out)["ok"]
    text = report(rows, verified)
    print(text)
    if a.write:
        target = Path(a.write)
        old = target.read_text(encoding="utf-8") if target.exists() else ""
        before = old.split(MARK)[0].rstrip() if MARK in old else old.rstrip()
        after = old.split(MARK)[2] if old.count(MARK) >= 2 else ""
        target.write_text(f"{before}\n\n{MARK}\n{text}{MARK}{after}\n".lstrip(), encoding="utf-8")
    if tmp is not None:
        tmp.cleanup()


def report(rows: list[tuple[str, int, int, float, float, str, bool]], verified: bool) -> str:
    lines = [
        "## Hostile inputs at full size (`benchmarks/hostile_inputs.py`)\n",
        f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        "SQLite, default limits. Peak RSS is the load's own process (`wait4`).\n",
        "| input | size | exit | seconds | peak RSS | outcome | traceback |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for name, size, code, seconds, rss, outcome, tb in rows:
        lines.append(
            f"| `{name}` | {size / MB:,.1f} MB | {code} | {seconds:,.0f} | **{rss:,.0f} MB** | "
            f"{outcome.replace('|', '/')} | {'yes' if tb else 'no'} |"
        )
    peak = max((r[4] for r in rows), default=0)
    lines.append(
        f"\nHighest peak RSS {peak:,.0f} MB (target < 500 MB); `oprisk verify` afterwards: "
        f"{'ok' if verified else 'FAILED'}.\n"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
