"""No unit traps and one default threshold: a notebook's what-if on ``db.capital.loss_data``
against a hand calculation; the profile's currency through the service; the same default loss
threshold in the export, the capital service, the CLI and the LDA."""

from __future__ import annotations

import inspect
import math
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from oprisk import capital
from oprisk.capital.profiles import DEFAULT_THRESHOLD
from oprisk.errors import MissingInputError

D = Decimal


def test_what_if_legal_loss_against_a_hand_calculation(seeded):
    """Notebook 02's what-if on the report data set: a EUR 150m settlement accounted in 2025.

    Net losses at 20,000 after exclusions (test_golden, OR1 row 5): 2025 1,259,000 and
    2024 110,000; with the settlement 2025 = 151,259,000. LC = 15 × 151,369,000 / 10 =
    227,053,500 = EUR 227.0535m; BIC = EUR 291.75m (reference §4.7);
    ILM = ln(e − 1 + (227.0535 / 291.75)^0.8); ORC = 291.75 × ILM.
    """
    db, t = seeded
    sa = db.capital.sa(2025, as_of=t, profile="basel", bi_unit="1e6")
    rows = db.capital.loss_data(2025, as_of=t)
    assert (rows.attrs["unit"], rows.attrs["currency"]) == (1, "EUR")
    extra = pd.DataFrame([{"event_id": "WHATIF-LEGAL", "root_event_id": None,
                           "accounting_year": 2025, "net_loss": D("150000000")}])  # fmt: skip
    both = pd.concat([rows, extra], ignore_index=True)  # the new row has no unit: attrs dropped
    with pytest.raises(MissingInputError, match="'loss_unit'"):
        capital.sa(sa.result.business_indicator, both, profile="basel", bi_unit=D("1e6"),
                   end_year=2025)  # fmt: skip
    what_if = capital.sa(sa.result.business_indicator, both, profile="basel", bi_unit=D("1e6"),
                         end_year=2025, loss_unit=1)  # fmt: skip
    assert what_if.lc == D("227.0535")
    ilm = math.log(math.e - 1 + (227.0535 / 291.75) ** 0.8)
    assert float(what_if.ilm) == pytest.approx(ilm, abs=1e-12)
    assert float(what_if.orc) == pytest.approx(291.75 * ilm, abs=1e-9)
    # the frame alone keeps its unit: no loss_unit needed, and the figure is the service's
    alone = capital.sa(sa.result.business_indicator, rows, profile="basel", bi_unit=D("1e6"),
                       end_year=2025)  # fmt: skip
    assert alone.lc == sa.lc and alone.lc == D("2.0535")  # 15 × 1,369,000 / 10 in EUR m


def test_profile_currency_through_the_service(seeded):
    db, t = seeded
    with pytest.raises(MissingInputError, match=r"CNY.*EUR.*2025-12-31"):
        db.capital.sa(2025, as_of=t, profile="cn-nfra", threshold=20000, allow_any_threshold=True)
    db.record_fx_rate("CNY", date(2025, 12, 31), "0.128", actor="t")
    r = db.capital.sa(2025, profile="cn-nfra", threshold=150_000, allow_any_threshold=True,
                      bi_unit="1e6")  # fmt: skip
    # boundaries RMB 8bn × 0.128 = EUR 1,024m: BIC = 12 % × 1,024 + 15 % × (2,145 − 1,024)
    assert r.bic.fx_rate == D("0.128") and r.bic.bic == D("291.03")
    assert r.loss_component.threshold == D("19200")  # RMB 150,000 × 0.128


def test_one_default_threshold_everywhere(seeded):
    from oprisk.cli.capital import lda_cmd
    from oprisk.reports import Parameters
    from oprisk.services import lda as lda_service

    db, t = seeded
    assert D(20_000) == DEFAULT_THRESHOLD
    p = Parameters(currency="EUR")
    assert p.threshold == p.sa_threshold == DEFAULT_THRESHOLD
    assert capital.get_profile("eu-crr3").default_threshold == DEFAULT_THRESHOLD
    assert inspect.signature(lda_service.lda).parameters["threshold"].default == 20_000
    assert next(o for o in lda_cmd.params if o.name == "threshold").default == 20_000
    default = db.capital.sa(2025, as_of=t, profile="basel")
    assert default.loss_component.threshold == D(20_000)
    assert (
        default.to_dict()["result"]
        == db.capital.sa(2025, as_of=t, profile="basel", threshold=20000).to_dict()["result"]
    )
    c17 = db.reports.table("c17.01", "2025", t)
    assert c17.value("0910", "0090") == D("20000.00")
