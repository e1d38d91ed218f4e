"""RFM analysis: the RFM table, quintile scores, segment maps and response by group.

RFM describes each customer by three numbers computed from the transaction
log at a chosen date ``as_of``:

* R - how long ago the last purchase was (``days_since_last``; lower is better),
* F - how many purchases (``n_purchases``),
* M - how much was spent (``total_spend``, ``mean_spend``).

Names follow the house style: ``recency`` and ``frequency`` keep their
Fader-Hardie meanings (used by the CLV chapter) and are *not* used here.

References
----------
Hughes, A. M. (2012). *Strategic Database Marketing*, 4th ed., McGraw-Hill,
the chapters on RFM (quintile coding, 5 = best).

Blattberg, R. C., Kim, B.-D. & Neslin, S. A. (2008). *Database Marketing*,
Springer, chapter "RFM analysis".

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). RFM and CLV: using
iso-value curves for customer base analysis. *Journal of Marketing Research*
42(4), 415-430.
"""

from __future__ import annotations

from crm_lessons.rfm._classes import (
    EIGHT_CLASSES,
    customer_types,
    rfm_eight_classes,
    segment_strategies,
)
from crm_lessons.rfm._mailing import (
    cbc_rfm_scores,
    holdout_split,
    mailing_profit,
    response_by_group,
)
from crm_lessons.rfm._scores import (
    rfm_grid,
    rfm_scores,
    rfm_segments,
    segment_map,
)
from crm_lessons.rfm._table import (
    RFM_COLUMNS,
    day_numbers,
    rfm_from_codes,
    rfm_table,
)

__all__ = [
    "RFM_COLUMNS",
    "rfm_table",
    "day_numbers",
    "rfm_from_codes",
    "rfm_scores",
    "segment_map",
    "rfm_segments",
    "rfm_grid",
    "rfm_eight_classes",
    "EIGHT_CLASSES",
    "response_by_group",
    "holdout_split",
    "mailing_profit",
    "cbc_rfm_scores",
    "segment_strategies",
    "customer_types",
]
