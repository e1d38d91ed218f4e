"""Customer classification by value: Pareto (20/80), Lorenz curve, ABC classes, customer pyramid.

Every function takes the value of each customer (usually revenue from
:func:`customer_value`) as a Series indexed by customer, or any 1-d array.

Three value schemes live here, each with its own source and labels:

* the course's ABC method = Curry's customer pyramid, customers ranked by
  value into 高端客户 (top 1 %), 大客户 (next 4 %), 中等客户 (next 15 %) and
  小客户 (the remaining 80 %): :data:`DEFAULT_TIERS`,
  :func:`customer_pyramid`, :func:`pyramid_tiers`;
* the course's importance split by profit, 贵宾型 + 重要型 客户 (together
  about 20 % of customers, said to bring about 80 % of profit) and 普通型
  客户: :func:`importance_classes`;
* Zeithaml, Rust & Lemon's profitability tiers platinum / gold / iron /
  lead, which fix *no* shares (the firm sets profit cut-offs; lead customers
  cost more than they bring): :func:`zrl_tiers`.

The inventory ABC rule (classes closing at 80 % and 95 % of cumulative
value), often also called "ABC", is :func:`abc_classes`, a variant.

References
----------
Curry, J. & Curry, A. (2000). *The Customer Marketing Method: How to
Implement and Profit from Customer Relationship Management*. Free Press
(the customer pyramid: top 1 %, big 4 %, medium 15 %, small 80 %).

Zeithaml, V. A., Rust, R. T. & Lemon, K. N. (2001). The customer pyramid:
creating and serving profitable customers. *California Management Review*
43(4), 118-142 (platinum, gold, iron and lead tiers by profitability).

Lorenz, M. O. (1905). Methods of measuring the concentration of wealth.
*Publications of the American Statistical Association* 9(70), 209-219.
"""

from __future__ import annotations

from crm_lessons.classification._abc import (
    abc_classes,
    abc_summary,
)
from crm_lessons.classification._concentration import (
    customer_value,
    customers_for_share,
    gini,
    lorenz_curve,
    top_share,
)
from crm_lessons.classification._importance import (
    importance_classes,
    importance_summary,
)
from crm_lessons.classification._profitability import (
    customer_profitability,
    zrl_tiers,
)
from crm_lessons.classification._pyramid import (
    ABC_CLASSES_ZH,
    DEFAULT_TIER_LABELS_ZH,
    DEFAULT_TIERS,
    IMPORTANCE_LABELS_ZH,
    ZRL_TIER_LABELS_ZH,
    customer_pyramid,
    pyramid_summary,
    pyramid_tiers,
)

__all__ = [
    "customer_value",
    "lorenz_curve",
    "gini",
    "top_share",
    "customers_for_share",
    "abc_classes",
    "abc_summary",
    "ABC_CLASSES_ZH",
    "DEFAULT_TIERS",
    "DEFAULT_TIER_LABELS_ZH",
    "IMPORTANCE_LABELS_ZH",
    "ZRL_TIER_LABELS_ZH",
    "customer_pyramid",
    "pyramid_summary",
    "pyramid_tiers",
    "importance_classes",
    "importance_summary",
    "zrl_tiers",
    "customer_profitability",
]
