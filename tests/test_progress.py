"""Progress: a bar on a terminal, a periodic status line off one, nothing when asked to be quiet."""

import io

import pytest

from oprisk.progress import Progress, progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_off_a_terminal_a_status_line_every_interval_then_a_last_line():
    out = io.StringIO()
    with progress(None, total=200, desc="load a.csv", unit="rows", stream=out, interval=0) as p:
        p.update(50)
        p.update(150)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("load a.csv: 50/200 rows (25%), 0:00 elapsed, ~0:00 left")
    assert lines[-1] == "load a.csv: 200/200 rows (100%), 0:00 elapsed, done"


def test_a_short_job_off_a_terminal_prints_nothing():
    out = io.StringIO()
    with progress(None, total=3, desc="verify", stream=out, interval=60) as p:
        p.update(3)
    assert out.getvalue() == ""


def test_quiet_prints_nothing_and_counts_anyway(monkeypatch):
    out = Terminal()
    p = progress(False, total=10, stream=out)
    p.update(4)
    p.close()
    assert out.getvalue() == "" and p.n == 4
    monkeypatch.setenv("OPRISK_PROGRESS", "0")
    assert type(progress(None, stream=Terminal())) is Progress


def test_on_a_terminal_a_bar_with_elapsed_time_and_eta():
    out = Terminal()
    with progress(None, total=4, desc="simulate", unit="units", stream=out) as p:
        for _ in range(4):
            p.update()
    text = out.getvalue()
    assert "simulate" in text and "4/4" in text and "100%" in text
    assert "<" in text  # tqdm's elapsed<remaining


def test_a_given_reporter_is_used_as_it_is():
    mine = Progress()
    assert progress(mine, total=5) is mine


@pytest.mark.parametrize("env", ["1", "true"])
def test_the_environment_can_force_status_lines(monkeypatch, env):
    monkeypatch.setenv("OPRISK_PROGRESS", env)
    out = io.StringIO()
    with progress(None, total=2, desc="export", stream=out, interval=0) as p:
        p.update(2)
    assert "export: 2/2" in out.getvalue()


def test_a_job_that_learns_its_size_grows_the_total_and_notes_show():
    out = Terminal()
    with progress(None, desc="export", unit="steps", stream=out) as p:
        p.grow(3)
        p.grow(1)
        p.set_note("7 rows, 0 rejects")
        p.update(4)
    text = out.getvalue()
    assert "4/4" in text and "100%" in text and "7 rows, 0 rejects" in text
    status = io.StringIO()
    with progress(True, desc="load", stream=status, interval=0) as p:
        p.grow(2)
        p.set_note("2 rows")
        p.update(2)
    assert status.getvalue().splitlines()[-1] == "load: 2/2 (100%), 0:00 elapsed; 2 rows, done"
