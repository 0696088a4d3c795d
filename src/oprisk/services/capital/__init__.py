"""``db.capital``: capital figures computed from the database as known at a knowledge cut-off.

:class:`CapitalService` resolves the knowledge cut-off **once** (a log position and its recorded
time) and reads every input at that position, so a later fact — a late loss, a recovery, a
revised FX rate or financial figure — never changes an answer given for an earlier cut-off. It
then calls the pure functions of :mod:`oprisk.capital` and wraps their result in a
:class:`CapitalRun` that carries the cut-off, the profile and what was left out.

Inputs
------
- **Financials** (``db.financials``): ``gross_income`` by business line (TSA / ASA) or for the
  entity (``business_line`` ``''``, BIA; without an entity total the lines are summed),
  ``loans_and_advances`` by line (ASA: BL3 / BL4), the ten Business Indicator items (SA). Amounts
  are whole units of their currency, which must be the calculation currency (default: the
  database's reporting currency).
- **Losses** (``db.ledger`` / ``db.losses``): one row per event and **accounting year**, the sum of
  the ledger lines' net effect (recoveries count only when received; a receivable has no effect),
  converted to the calculation currency line by line at the rate known at the cut-off for the
  line's accounting date (exact ``Decimal`` arithmetic; a missing rate is a
  :class:`~oprisk.errors.MissingInputError` naming the currency and date). Withdrawn events are
  left out and listed; grouped losses carry their root; exclusions, credit-boundary losses and
  gains are flagged (a flag on the root applies to the whole group).
"""

from .loss_data import LOSS_DATA_COLUMNS
from .run import CapitalRun
from .service import CapitalService

__all__ = ["LOSS_DATA_COLUMNS", "CapitalRun", "CapitalService"]
