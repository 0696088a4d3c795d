"""The whole error and warning hierarchy of oprisk.

Every message names the argument or field, shows the value and states the rule, in one format:
``invalid value 1.2 for 'confidence_level': must be in (0, 1)``.
"""

from __future__ import annotations

from typing import Any


def invalid(name: str, value: Any, rule: str) -> str:
    """Format the house error message for a bad value."""
    return f"invalid value {value!r} for {name!r}: {rule}"


class OpriskError(Exception):
    """Base class of every error oprisk raises on purpose."""


# --- domain -----------------------------------------------------------------------------------


class DomainError(OpriskError):
    """A command or value breaks a rule of the loss-event domain."""


class UnknownTaxonomyError(DomainError, ValueError):
    """A business line, event type or cause that is not in the taxonomy."""

    def __init__(self, kind: str, value: Any, valid: list[str], *, ambiguous: bool = False) -> None:
        self.kind, self.value, self.valid = kind, value, valid
        rule = "is ambiguous, it matches " if ambiguous else "must be one of "
        super().__init__(invalid(kind, value, rule + ", ".join(valid)))


class InvalidMoneyError(DomainError, ValueError):
    """An amount that is negative, non-finite or not a number, or an unknown currency."""


class InvalidDateOrderError(DomainError):
    """Dates out of order, e.g. discovery before occurrence."""


class EventWithdrawnError(DomainError):
    """A change to a loss event that has been withdrawn."""


class EventClosedError(DomainError):
    """A ledger line or change to a closed loss event (reopen it first)."""


class EventNotFoundError(DomainError, KeyError):
    """A command or query names a loss event that has not been reported."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class EventAlreadyExistsError(DomainError):
    """A report for a loss-event id that already exists."""


class FourEyesError(DomainError):
    """An approval or rejection by the event's own reporter or submitter."""


class WorkflowError(DomainError):
    """A workflow step out of order (approve before submit, reopen an open event …)."""


class RecoveryExceedsLossError(DomainError):
    """Recoveries above the gross loss without the explicit ``allow_excess`` flag."""


class InvalidLinkError(DomainError):
    """A grouping link to itself, to an unknown event or forming a cycle."""


class NothingToChangeError(DomainError):
    """An amendment or reclassification that changes nothing."""


class ScenarioRuleError(DomainError, ValueError):
    """A scenario's estimates are inconsistent; ``rule`` names the consistency rule broken
    (docs/scenarios.md, "Consistency rules")."""

    def __init__(self, message: str, rule: str) -> None:
        super().__init__(f"{message} [rule {rule}]")
        self.rule = rule


class ScenarioNotFoundError(DomainError, KeyError):
    """No scenario with this id is known (at the cut-off)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


# --- store ------------------------------------------------------------------------------------


class StoreError(OpriskError):
    """The event store could not do what was asked; the backend error is chained."""


class ConcurrencyError(StoreError):
    """An append whose expected version no longer matches the stream (someone appended first)."""


class IntegrityError(StoreError):
    """A hash chain or read model that does not match the log."""


class SchemaError(StoreError):
    """The database schema is missing or behind; run ``oprisk db upgrade``."""


class UpcastError(StoreError):
    """A stored payload whose schema version no registered upcaster can bring up to date."""


# --- ingestion --------------------------------------------------------------------------------


class IngestionError(OpriskError):
    """A file could not be read or a mapping could not be applied (fatal for the file)."""


class MappingError(IngestionError):
    """A mapping file is malformed or names columns or values that cannot be used."""


# --- capital ----------------------------------------------------------------------------------


class CapitalError(OpriskError, ValueError):
    """Inputs to a capital calculation are missing or invalid."""


class MissingInputError(CapitalError):
    """A capital calculation lacks a required input (a year of gross income, a BI item …)."""


class FitError(CapitalError):
    """A distribution fit failed to converge or its data cannot support it."""


class InsufficientDataError(CapitalError):
    """Too few losses, or data that cannot identify the model (all equal, all below threshold)."""


class CorrelationMatrixError(CapitalError):
    """A correlation matrix that is not square, symmetric, unit-diagonal and positive semi-definite."""


class InconsistentJudgementError(CapitalError):
    """A pairwise comparison matrix whose consistency ratio is above the limit."""


# --- assessment (AHP) --------------------------------------------------------------------------


class AssessmentError(CapitalError):
    """Inputs to a control-effectiveness assessment (AHP) are malformed."""


class MatrixShapeError(AssessmentError):
    """A comparison matrix that is not square, or whose labels are duplicated, unknown or miscounted."""


class NonPositiveJudgementError(AssessmentError):
    """A pairwise judgement that is zero, negative, non-finite or not a number."""


class NonReciprocalError(AssessmentError):
    """A matrix whose diagonal is not 1 or where a_ji is not 1/a_ij within the tolerance."""


class OffScaleJudgementError(AssessmentError):
    """A judgement that is not on the declared scale (Saaty's 1–9 and reciprocals by default)."""


class MissingJudgementError(AssessmentError):
    """A pair of elements for which no judgement was given."""


class HierarchyError(AssessmentError):
    """An indicator hierarchy with duplicate ids, or judgements that do not match its nodes."""


class InvalidScoreError(AssessmentError):
    """A unit's indicator score that is missing, unknown, non-finite or off its declared scale."""


class JudgementFileError(AssessmentError, IngestionError):
    """A judgement file (TOML or CSV) or template whose content cannot be used."""


# --- configuration ----------------------------------------------------------------------------


class ConfigurationError(OpriskError):
    """A database URL, profile or option that cannot be used."""


class CutoffError(ConfigurationError):
    """A knowledge cut-off before the first fact of a non-empty log: nothing was known then."""


class ReportError(OpriskError):
    """An export could not be built, written or verified."""


# --- warnings ---------------------------------------------------------------------------------


class OpriskWarning(UserWarning):
    """Base class of oprisk's warnings; filter on it or on a subclass."""


class DataQualityWarning(OpriskWarning):
    """Input that is accepted but deserves a look (e.g. a thin unit of measure)."""


class ConvergenceWarning(OpriskWarning):
    """A numerical method finished but its accuracy is doubtful."""
