"""Control-effectiveness assessment by the Analytic Hierarchy Process (AHP).

Experts compare indicators pairwise on Saaty's 1–9 scale; weights come from the principal
eigenvector, judgements are checked for consistency (CR ≤ 0.1), and units' indicator scores are
rolled up to a composite score that :func:`control_environment_factor` can turn into a severity
multiplier. ``load_template("supervision")`` ships the five-criterion post-event supervision
(事后监督) hierarchy with example judgements.
"""

from oprisk.assess.ahp import RANDOM_INDEX, PriorityResult, weigh
from oprisk.assess.assessment import Assessment, assess
from oprisk.assess.errors import AssessmentError
from oprisk.assess.hierarchy import Hierarchy, Node
from oprisk.assess.hierarchy_weights import HierarchyWeights, weigh_hierarchy
from oprisk.assess.judgements import JudgementSet, load_template, read_judgements
from oprisk.assess.matrix import PairwiseMatrix, aggregate_judgements
from oprisk.assess.scores import UnitScores, control_environment_factor, score_units

__all__ = [
    "RANDOM_INDEX",
    "Assessment",
    "AssessmentError",
    "Hierarchy",
    "HierarchyWeights",
    "JudgementSet",
    "Node",
    "PairwiseMatrix",
    "PriorityResult",
    "UnitScores",
    "aggregate_judgements",
    "assess",
    "control_environment_factor",
    "load_template",
    "read_judgements",
    "score_units",
    "weigh",
    "weigh_hierarchy",
]
