from pathlib import Path

import numpy as np
import pandas as pd
import pytest

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="session")
def danish() -> pd.DataFrame:
    return pd.read_csv(DATA / "danish-fire.csv", parse_dates=["date"])


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240601)
