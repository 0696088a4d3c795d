"""Fixtures of the ingestion tests; helpers live in ``ingest_support`` (importable by name)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from ingest_support import DATA, build_zh_xlsx


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A scratch copy of tests/data/ingest (rejects files are written next to the inputs)."""
    dst = tmp_path / "corpus"
    shutil.copytree(DATA, dst)
    return dst


@pytest.fixture
def zh_xlsx(tmp_path: Path) -> Path:
    return build_zh_xlsx(tmp_path / "zh.xlsx")
