"""Relationship bonds (Berry & Parasuraman 1991): the three levels and which fits each segment."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_lessons._validation import (
    require_columns,
    require_dataframe,
)


def relationship_bonds() -> pd.DataFrame:
    """The three levels of relationship marketing (financial, social, structural bonds).

    Returns
    -------
    DataFrame
        Indexed by ``level`` (1-3): ``bond`` (English), ``bond_zh``,
        ``example`` and ``imitability`` (how easily a competitor copies it).

    References
    ----------
    Berry, L. L., & Parasuraman, A. (1991). Marketing Services: Competing
    Through Quality, ch. 8 (three levels of relationship marketing).

    Examples
    --------
    >>> relationship_bonds()["bond_zh"].tolist()
    ['财务层次（财务联系）', '社交层次（社会联系）', '结构层次（结构联系）']
    """
    rows = [
        (1, "financial", "财务层次（财务联系）", "price incentives, bonus miles, discounts for volume", "easy"),
        (2, "social", "社交层次（社会联系）", "personal recognition, tier service, member events", "harder"),
        (
            3,
            "structural",
            "结构层次（结构联系）",
            "co-branded card, integrated booking, value-adding systems",
            "hardest",
        ),
    ]
    return pd.DataFrame(rows, columns=["level", "bond", "bond_zh", "example", "imitability"]).set_index("level")


def suggest_bonds(
    profile: pd.DataFrame,
    *,
    flight_col: str = "flight_trans_12",
    card_col: str = "cc1_miles",
    bonus_col: str = "bonus_trans",
) -> pd.Series:
    """Suggest a relationship bond for each frequent-flyer segment from its profile.

    Parameters
    ----------
    profile : DataFrame
        Segment means, e.g. ``kmeans_by_silhouette(...).profile`` on
        :func:`crm_lessons.datasets.load_east_west_airlines`.
    flight_col, card_col, bonus_col : str
        Columns measuring flying activity, credit-card mile band and non-flight
        bonus transactions.

    Returns
    -------
    Series
        ``"structural"``, ``"social"`` or ``"financial"`` per segment,
        named ``bond``.

    Raises
    ------
    DataError
        When a column is missing.

    Notes
    -----
    Stated rule, relative to the mean over segments: frequent flyers
    (``flight`` above mean) get social bonds (recognition, tiers); members who
    earn through the partner card and other partners (``card`` and ``bonus``
    above mean) but fly little get structural bonds (co-branded card,
    integration); everyone else gets financial bonds (price and mile offers),
    the cheapest and easiest to copy.

    References
    ----------
    Berry, L. L. (1995). Relationship marketing of services - growing interest,
    emerging perspectives. Journal of the Academy of Marketing Science, 23(4),
    236-245.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"flight_trans_12": [0.2, 8.0, 0.5], "cc1_miles": [1.2, 2.5, 3.8],
    ...                   "bonus_trans": [5, 20, 22]})
    >>> suggest_bonds(p).tolist()
    ['financial', 'social', 'structural']
    """
    where = "suggest_bonds"
    require_dataframe(profile, where=where)
    require_columns(profile, {flight_col: "flight_col", card_col: "card_col", bonus_col: "bonus_col"}, where=where)
    flies = profile[flight_col] > profile[flight_col].mean()
    partner = (profile[card_col] > profile[card_col].mean()) & (profile[bonus_col] > profile[bonus_col].mean())
    bond = np.where(flies, "social", np.where(partner, "structural", "financial"))
    return pd.Series(bond, index=profile.index, name="bond")
