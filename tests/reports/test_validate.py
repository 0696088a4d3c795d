"""``--validate`` catches what makes a report package structurally wrong: each mutation of a
valid package (written by a real export) is named, with the file and line."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
import small_bank as sb
from click.testing import CliRunner

from oprisk.api import connect
from oprisk.cli import main
from oprisk.reports.validate import validate


@pytest.fixture(scope="module")
def valid(tmp_path_factory):
    """One valid package of the small bank (SQLite; the package bytes do not depend on it)."""
    tmp = tmp_path_factory.mktemp("pkg")
    ticks = iter(range(10**6))
    db = connect(
        f"sqlite:///{tmp / 'db.sqlite'}",
        clock=lambda: datetime(2026, 7, 20, 9, tzinfo=UTC) + timedelta(seconds=next(ticks)),
    )
    sb.seed(db)
    r = db.reports.export(None, "2026-06-30", None, "xbrl-csv", tmp / "out", entity=sb.GROUP_LEI,
                          legal_entity=sb.GROUP, subsidiaries={sb.SUB: sb.SUB_LEI})  # fmt: skip
    db.close()
    [name] = r.files
    return tmp / "out" / name


def mutate(src, dst, change):
    with zipfile.ZipFile(src) as z:
        files = {i.filename: z.read(i.filename) for i in z.infolist()}
    top = src.stem
    files = change(files, top) or files
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    dst.write_bytes(buf.getvalue())
    return dst


def edit(path, old, new):
    def change(files, top):
        key = f"{top}/{path}"
        assert old in files[key], (old, files[key][:300])
        files[key] = files[key].replace(old, new, 1)

    return change


CASES = [
    (edit("reports/c_16.01.a.csv", b"dp3293992,", b"dp9999999,"), "c_16.01.a.csv line 2: datapoint 'dp9999999' is not in c_16.01.a"),
    (edit("reports/c_16.01.a.csv", b"dp3293992,98210000.00", b"dp3293992,98,210,000"), "c_16.01.a.csv line 2: not as many fields as the header has (2)"),
    (edit("reports/c_16.01.a.csv", b"98210000.00", b"98210000.001"), "more decimals than the declared 2"),
    (edit("reports/c_16.01.a.csv", b"98210000.00", b"lots"), "'lots' is not a number"),
    (edit("reports/c_17.01.a.csv", b",0\r\n", b",0.5\r\n"), "more decimals than the declared 0"),
    (edit("reports/c_17.02.csv", b"2026-04-15", b"15/04/2026"), "is not a date"),
    (edit("reports/c_17.02.csv", b"eba_qET:qx2067", b"ET4"), "'ET4' is not one of"),
    (edit("reports/c_17.02.csv", b"N3,dp5487094", b",dp5487094"), "a key column (qOER) is empty"),
    (edit("reports/FilingIndicators.csv", b"C_17.02,true", b"C_17.02,false"), "c_17.02.csv: present, but filing indicator C_17.02 is not true"),
    (edit("reports/FilingIndicators.csv", b"C_16.04,true\r\n", b""), "FilingIndicators.csv: no line for C_16.04"),
    (edit("reports/FilingIndicators.csv", b"C_16.03,true", b"C_16.03,yes"), "reported 'yes' must be true or false"),
    (edit("reports/parameters.csv", b"refPeriod,2026-06-30\r\n", b""), "the required parameter refPeriod is missing"),
    (edit("reports/parameters.csv", b".CON", b""), "entityID"),
    (edit("reports/parameters.csv", b"iso4217:EUR", b"EUR"), "baseCurrency 'EUR' must be iso4217:XXX"),
    (edit("reports/report.json", b"corep_of.json", b"corep_lr.json"), "is not the 4.2 module entry point"),
    (edit("META-INF/reportPackage.json", b"report-package/2023", b"report-package/2020"), "documentType must be"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "message"), CASES, ids=[m[:40] for _, m in CASES])
def test_each_problem_is_named(valid, tmp_path, change, message):
    assert validate(valid).ok
    bad = validate(mutate(valid, tmp_path / valid.name, change))
    assert not bad.ok
    assert any(message in p for p in bad.problems), bad.problems


def test_package_level_problems(valid, tmp_path):
    def extra(files, top):
        files[f"{top}/reports/notes.txt"] = b"internal"
        files[f"{top}/reports/c_16.02.csv"] += (
            b"dp5489609,1.00\r\n"  # a second fact, same datapoint
        )

    bad = validate(mutate(valid, tmp_path / valid.name, extra))
    assert (
        "reports/notes.txt: not a file of the report package (no such table in 4.2)" in bad.problems
    )
    assert any("reported twice" in p for p in bad.problems)
    renamed = validate(mutate(valid, tmp_path / "other.zip", lambda f, t: None))
    assert renamed.problems == (
        f"the top-level directory {valid.stem!r} is not named like the zip ('other')",
    )
    not_zip = tmp_path / "x.zip"
    not_zip.write_bytes(b"PK no")
    assert not validate(not_zip).ok


def test_cli_validate_exit_codes(valid, tmp_path):
    ok = CliRunner().invoke(main, ["export", "--validate", str(valid)])
    assert ok.exit_code == 0 and "valid report package (9" in ok.output
    bad_path = mutate(valid, tmp_path / valid.name, CASES[0][0])
    bad = CliRunner().invoke(main, ["export", "--validate", str(bad_path)])
    assert bad.exit_code == 1 and "dp9999999" in bad.output
