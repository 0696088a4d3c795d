"""Errors of the assessment (AHP) module, re-exported from :mod:`oprisk.errors`."""

from oprisk.errors import (
    AssessmentError,
    HierarchyError,
    InvalidScoreError,
    JudgementFileError,
    MatrixShapeError,
    MissingJudgementError,
    NonPositiveJudgementError,
    NonReciprocalError,
    OffScaleJudgementError,
)

__all__ = [
    "AssessmentError",
    "HierarchyError",
    "InvalidScoreError",
    "JudgementFileError",
    "MatrixShapeError",
    "MissingJudgementError",
    "NonPositiveJudgementError",
    "NonReciprocalError",
    "OffScaleJudgementError",
]
