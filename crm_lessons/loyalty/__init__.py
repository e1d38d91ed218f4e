"""Customer loyalty (客户忠诚): its forms, behavioural measures and how satisfaction turns into it.

The course defines loyalty as repeat purchase grounded in preference and
dependence, and measures it along time, behaviour and emotion.  This module
classifies the four combinations of intention and behaviour (with the
course's names beside Dick & Basu's), computes the measures (repeat-purchase
rate, inter-purchase times, share of wallet 顾客份额, relationship
duration), lists the course's positive and negative influences on loyalty,
measures brand loyalty on the bath-soap household panel, simulates the
satisfaction-loyalty relationship under competition, benefits, switching and
sunk costs (after Jones & Sasser 1995) and segments the members
of a frequent-flyer programme to match them with the three levels of
relationship bonds (Berry & Parasuraman 1991).
"""

from __future__ import annotations

from crm_lessons.loyalty._behaviour import (
    interpurchase_times,
    relationship_duration,
    repeat_purchase_rate,
    repeat_rate_by_cohort,
    share_of_wallet,
)
from crm_lessons.loyalty._bonds import (
    relationship_bonds,
    suggest_bonds,
)
from crm_lessons.loyalty._brands import (
    ClusterResult,
    brand_loyalty_measures,
    classify_brand_loyal,
    compare_means,
    kmeans_by_silhouette,
)
from crm_lessons.loyalty._forms import (
    LOYALTY_COURSE_LABELS,
    LOYALTY_DRIVERS,
    LOYALTY_MEASURES,
    LOYALTY_TYPES,
    loyalty_drivers,
    loyalty_measures_table,
    loyalty_type,
    loyalty_type_table,
)
from crm_lessons.loyalty._satisfaction import (
    loyalty_probability,
    simulate_satisfaction_loyalty,
)

__all__ = [
    "LOYALTY_TYPES",
    "LOYALTY_COURSE_LABELS",
    "LOYALTY_MEASURES",
    "LOYALTY_DRIVERS",
    "loyalty_type",
    "loyalty_type_table",
    "loyalty_measures_table",
    "loyalty_drivers",
    "repeat_purchase_rate",
    "interpurchase_times",
    "repeat_rate_by_cohort",
    "share_of_wallet",
    "relationship_duration",
    "brand_loyalty_measures",
    "classify_brand_loyal",
    "compare_means",
    "ClusterResult",
    "kmeans_by_silhouette",
    "loyalty_probability",
    "simulate_satisfaction_loyalty",
    "relationship_bonds",
    "suggest_bonds",
]
