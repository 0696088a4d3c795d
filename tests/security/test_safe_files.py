"""Files oprisk writes: atomic, never through a symlink, with set modes; CSV cells that cannot
carry formulas (rejects files here; exports in tests/reports); database URLs without passwords."""

from __future__ import annotations

import csv
import io
import os
import stat

import pytest
from click.testing import CliRunner
from payloads import INJECTIONS, PLAIN, unsafe_cells

from oprisk.api import connect
from oprisk.cli import main
from oprisk.safefiles import atomic_open, atomic_write, csv_cell, csv_row, write_new
from oprisk.store.engine import mask_url


def mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture
def open_umask():
    old = os.umask(0)  # the widest umask: modes must not depend on it
    yield
    os.umask(old)


def test_csv_cells_that_could_run_are_escaped_and_nothing_else():
    for payload in INJECTIONS:
        escaped = csv_cell(payload)
        assert escaped == "'" + payload
    for plain in PLAIN:
        assert csv_cell(plain) == plain
    assert csv_row([3, -5, None, 1.5, "=1"]) == [3, -5, None, 1.5, "'=1"]
    buf = io.StringIO()
    csv.writer(buf).writerows([csv_row([p]) for p in INJECTIONS + PLAIN])
    assert unsafe_cells(buf.getvalue()) == []
    assert [r[0] for r in csv.reader(io.StringIO(buf.getvalue()))][-len(PLAIN) :] == PLAIN


def test_atomic_write_replaces_a_symlink_instead_of_writing_through_it(tmp_path, open_umask):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    target = tmp_path / "out.csv"
    target.symlink_to(victim)
    atomic_write(target, b"new")
    assert victim.read_text() == "precious"
    assert not target.is_symlink() and target.read_bytes() == b"new"
    assert mode(target) == 0o640
    atomic_write(target, b"again", mode=0o600)
    assert mode(target) == 0o600 and target.read_bytes() == b"again"


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path):
    target = tmp_path / "report.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_open(target, text=True) as fh:
        fh.write("half of the new")
        raise RuntimeError("disk full")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.csv"]


def test_write_new_never_overwrites_nor_follows(tmp_path):
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere")
    for name in ("link",):
        with pytest.raises(FileExistsError):
            write_new(tmp_path / name, b"x")
    assert not (tmp_path / "elsewhere").exists()


INCIDENTS = (
    "external_id,title,event_type,business_line,legal_entity,discovered_on,accounted_on,"
    "currency,gross_loss\n"
)


def test_rejects_files_cannot_carry_formulas(db, tmp_path, open_umask):
    lines = [INCIDENTS]
    for i, payload in enumerate(INJECTIONS):
        # every row is rejected (unknown event type) and its cells are written back
        title = payload.replace('"', '""')
        lines.append(f'R{i},"{title}","{title}",BL3,"{title}",2025-01-02,2025-01-03,EUR,100\n')
    lines.append("N1,Negative,ET7,BL3,Bank AG,2025-01-02,2025-01-03,EUR,-5000\n")
    path = tmp_path / "incidents.csv"
    path.write_text("".join(lines), encoding="utf-8")
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    rejects = tmp_path / "incidents.csv.rejects.csv"
    rejects.symlink_to(victim)  # planted where the rejects file goes
    report = db.load(path, kind="incidents", source="T", actor="loader", progress=False)
    assert report.rejected == len(INJECTIONS) + 1
    assert victim.read_text() == "precious" and not rejects.is_symlink()
    assert mode(rejects) == 0o640
    text_ = rejects.read_bytes().decode("utf-8-sig")  # keep a CR as it is
    assert unsafe_cells(text_) == []
    rows = list(csv.DictReader(io.StringIO(text_)))
    assert [r["title"] for r in rows[:-1]] == ["'" + p for p in INJECTIONS]
    negative = rows[-1]
    assert negative["gross_loss"] == "-5000" and negative["value"] == "-5000"  # numbers stay
    assert [n for n in os.listdir(tmp_path) if n.endswith(".tmp")] == []  # none left behind


def test_a_new_sqlite_database_is_readable_by_its_owner_only(tmp_path, open_umask):
    path = tmp_path / "new.db"
    db = connect(f"sqlite:///{path}")
    db.record_fx_rate("USD", "2025-01-01", "0.9", actor="fx")
    assert mode(path) == 0o600
    wal = tmp_path / "new.db-wal"
    assert not wal.exists() or mode(wal) == 0o600
    db.close()


SECRET = "s3cr3t-pw"


@pytest.mark.parametrize(
    "url",
    [
        f"postgres://bob:{SECRET}@127.0.0.1:1/risk",
        f"postgresql://bob:{SECRET}@127.0.0.1:notaport/risk",
        f"mysql://bob:{SECRET}@db/risk",
        f"postgresql//bob:{SECRET}@db/risk",
    ],
)
def test_urls_are_never_printed_with_their_password(url):
    for args in (["--db", url, "losses"], ["--db", url, "db", "upgrade"], ["--db", url, "verify"]):
        out = CliRunner().invoke(main, args)
        assert out.exit_code != 0
        assert SECRET not in out.output, out.output
    assert SECRET not in mask_url(url)
