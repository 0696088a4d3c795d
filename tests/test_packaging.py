"""A clean install: the wheel builds with no warning from our packaging configuration and holds
every module and every data file the code reads at run time (templates, presets, migrations)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC, MIGRATIONS = ROOT / "src" / "oprisk", ROOT / "migrations"


def shipped() -> set[str]:
    """Every file of the source tree that belongs in the wheel, as the wheel names it."""
    out = set()
    for base, prefix in ((SRC, "oprisk"), (MIGRATIONS, "oprisk/migrations")):
        for path in base.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                out.add(f"{prefix}/{path.relative_to(base).as_posix()}")
    return out


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> tuple[zipfile.ZipFile, str]:
    out = tmp_path_factory.mktemp("wheel")
    clone = out / "clone"  # a clean copy: no build/ or egg-info left by an earlier build
    skip = shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "*_cache", "demo-out", "*.db"
    )
    shutil.copytree(ROOT, clone, ignore=skip)
    run = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(clone), "--no-deps", "-v", "-w", str(out)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    (built,) = out.glob("oprisk-*.whl")
    return zipfile.ZipFile(built), run.stdout + run.stderr


def test_the_build_prints_no_warning_from_our_configuration(wheel):
    _, log = wheel
    # setuptools' own warnings (_Warning, SetuptoolsDeprecationWarning, …); not distutils' notes
    warnings = [ln for ln in log.splitlines() if re.search(r"\w*Warning\b|is absent from", ln)]
    assert warnings == []


def test_the_wheel_holds_every_module_and_data_file(wheel):
    whl, _ = wheel
    names = set(whl.namelist())
    missing = sorted(shipped() - names)
    assert missing == []
    for needed in (  # what the code reads at run time, named explicitly
        "oprisk/ingest/presets/zh-CN.toml",
        "oprisk/assess/templates/supervision.toml",
        "oprisk/reports/templates/eba-4.2.json",
        "oprisk/migrations/env.py",
        "oprisk/migrations/versions/0001_event_log_and_read_models.py",
        "oprisk/py.typed",
    ):
        assert needed in names


def test_the_metadata_is_complete(wheel):
    whl, _ = wheel
    (meta_name,) = [n for n in whl.namelist() if n.endswith(".dist-info/METADATA")]
    meta = Parser().parsestr(whl.read(meta_name).decode())
    assert meta["License-Expression"] == "Apache-2.0"
    assert any(n.endswith("licenses/LICENSE") for n in whl.namelist())
    assert meta["Requires-Python"] == ">=3.11"
    assert meta["Description-Content-Type"] == "text/markdown"
    assert "## Command line" in meta.get_payload()  # the README is the long description
    assert len(meta.get_all("Classifier")) >= 5 and meta["Summary"]
    entry = next(n for n in whl.namelist() if n.endswith("entry_points.txt"))
    assert "oprisk = oprisk.cli:main" in whl.read(entry).decode()
