"""The ICAAP data elements beside internal losses, as :class:`~oprisk.api.Database` methods.

Scenario analysis (:mod:`oprisk.services.scenarios`) and external loss data
(:mod:`oprisk.services.external_losses`); the facade inherits these methods, which need only its
unit of work (``uow``) and reporting currency. See docs/scenarios.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from oprisk.services import external_losses as ext
from oprisk.services import scenarios as scn

if TYPE_CHECKING:
    import pandas as pd

    from oprisk.ports import AsOf
    from oprisk.store.eventstore import RecordedEvent
    from oprisk.store.unit_of_work import UnitOfWork


class IcaapData:
    """Scenarios and external losses: commands append facts, queries read them as of a cut-off."""

    uow: UnitOfWork
    reporting_currency: str

    # --- scenarios ----------------------------------------------------------------------------

    def record_scenario(
        self, scenario_id: str, *, actor: str, reason: str = "", **fields: Any
    ) -> list[RecordedEvent]:
        """Record a new scenario or a revision (unstated fields keep their value).

        Fields: ``event_type``, ``business_line`` (codes or labels; at least one), ``title``,
        ``narrative``, ``workshop_on``, ``owner``, ``participants`` (list or "; "-joined),
        ``frequency`` (events a year), ``frequency_low``, ``frequency_high``, ``currency``,
        ``severities`` (``[{"label", "return_period" | "quantile", "amount"}]`` or
        ``{return_period: amount}``). Inconsistent estimates raise
        :class:`~oprisk.errors.ScenarioRuleError` naming the rule; the same content again
        appends nothing.
        """
        return scn.record_scenario(self.uow, scenario_id, actor=actor, reason=reason, **fields)

    def approve_scenario(self, scenario_id: str, *, actor: str) -> list[RecordedEvent]:
        """Approve the latest revision (four eyes: not by its author)."""
        return scn.approve_scenario(self.uow, scenario_id, actor=actor)

    def withdraw_scenario(
        self, scenario_id: str, *, actor: str, reason: str
    ) -> list[RecordedEvent]:
        """Withdraw a scenario: a fact; queries leave it out from then on."""
        return scn.withdraw_scenario(self.uow, scenario_id, actor=actor, reason=reason)

    def scenarios(
        self, as_of: AsOf = None, *, include_withdrawn: bool = False, approved_only: bool = False
    ) -> pd.DataFrame:
        """Scenarios known at ``as_of``, one row each: the latest revision (``approved_only``: the
        latest approved one); see docs/scenarios.md."""
        return scn.scenarios(
            self.uow, as_of, include_withdrawn=include_withdrawn, approved_only=approved_only
        )

    def scenario_severities(
        self, as_of: AsOf = None, *, include_withdrawn: bool = False, approved_only: bool = False
    ) -> pd.DataFrame:
        """Severity points of :meth:`scenarios`, long form, with return period and quantile."""
        return scn.scenario_severities(
            self.uow,
            self.reporting_currency,
            as_of,
            include_withdrawn=include_withdrawn,
            approved_only=approved_only,
        )

    def scenario_history(self, scenario_id: str, as_of: AsOf = None) -> pd.DataFrame:
        """Every fact of one scenario, in log order."""
        return scn.scenario_history(self.uow, scenario_id, as_of)

    # --- external losses ----------------------------------------------------------------------

    def record_external_loss(self, *, actor: str, **fields: Any) -> list[RecordedEvent]:
        """Record one external loss: ``external_id``, ``source``, ``occurred_on``,
        ``event_type``, ``business_line``, ``amount``, ``currency``, ``size_indicator``,
        ``threshold`` (both in ``reference_currency``, default the loss's), ``institution``,
        ``description``. The same content again appends nothing; other content revises it."""
        return ext.record_external_loss(self.uow, actor=actor, **fields)

    def external_losses(self, as_of: AsOf = None) -> pd.DataFrame:
        """External losses known at ``as_of`` with reporting-currency amounts, size and threshold."""
        return ext.external_losses(self.uow, self.reporting_currency, as_of)
