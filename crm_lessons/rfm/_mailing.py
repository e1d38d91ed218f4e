"""Testing RFM on a mailing: response by group, a hold-out split, the profit of mailing the best groups."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_lessons._validation import (
    DataError,
    first_rows,
    require_columns,
    require_dataframe,
    require_no_missing,
    require_numeric,
)
from crm_lessons.rfm._scores import rfm_scores


# --------------------------------------------------------------------------- #
# Response by group (Charles Book Club)
# --------------------------------------------------------------------------- #
def response_by_group(
    df: pd.DataFrame,
    *,
    group_col: str,
    response_col: str,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Response rate, lift and Wilson confidence interval per group.

    Parameters
    ----------
    df : DataFrame
        One row per customer.
    group_col : str
        Column holding the group (e.g. an RFM cell or score).
    response_col : str
        Column holding the response, 0/1 or bool.
    alpha : float, default 0.05
        The intervals have coverage ``1 - alpha``.

    Returns
    -------
    DataFrame
        Indexed by group (sorted), columns ``n``, ``responders``,
        ``response_rate``, ``lift`` (response rate / overall response rate),
        ``ci_low``, ``ci_high`` (Wilson interval of the response rate).

    Raises
    ------
    DataError
        Missing columns, missing values, or a response that is not 0/1.

    Notes
    -----
    ``lift_g = p_g / p`` with ``p_g = responders_g / n_g`` and ``p`` the
    overall rate.  The Wilson interval is
    ``(p̂ + z²/2n ± z sqrt(p̂(1-p̂)/n + z²/4n²)) / (1 + z²/n)``, computed by
    ``statsmodels.stats.proportion.proportion_confint(method="wilson")``.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and
    statistical inference. *JASA* 22, 209-212.  Shmueli et al., *Machine
    Learning for Business Analytics*, case "Charles Book Club" (response by
    RFM cell).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"g": ["x", "x", "y", "y"], "bought": [1, 1, 0, 1]})
    >>> response_by_group(d, group_col="g", response_col="bought")[["n", "responders", "response_rate", "lift"]]
       n  responders  response_rate      lift
    g
    x  2           2            1.0  1.333333
    y  2           1            0.5  0.666667
    """
    from statsmodels.stats.proportion import proportion_confint

    where = "response_by_group"
    require_dataframe(df, where=where)
    require_columns(df, {group_col: "group_col", response_col: "response_col"}, where=where)
    require_no_missing(df, group_col, where=where)
    require_no_missing(df, response_col, where=where)
    bad = ~df[response_col].isin([0, 1]).to_numpy()
    if bad.any():
        raise DataError(f"{where}: column {response_col!r} should be 0/1 but is not in {first_rows(bad, df.index)}")
    if not 0 < alpha < 1:
        raise DataError(f"{where}: alpha={alpha!r} should be between 0 and 1")
    y = df[response_col].astype("int64")
    grouped = y.groupby(df[group_col], observed=True, sort=True)
    out = pd.DataFrame({"n": grouped.size(), "responders": grouped.sum()})
    out["response_rate"] = out["responders"] / out["n"]
    out["lift"] = out["response_rate"] / y.mean()
    low, high = proportion_confint(out["responders"].to_numpy(), out["n"].to_numpy(), alpha=alpha, method="wilson")
    out["ci_low"], out["ci_high"] = low, high
    return out


def holdout_split(df: pd.DataFrame, *, holdout: float = 0.5, random_state: int) -> pd.Series:
    """Mark a random part of the rows as hold-out, to test a decision on data it was not chosen on.

    Parameters
    ----------
    df : DataFrame
        One row per customer.
    holdout : float, default 0.5
        Share of rows in the hold-out part, in (0, 1).
    random_state : int
        Seed; the same seed gives the same split.

    Returns
    -------
    Series
        Boolean, ``True`` for hold-out rows, same index as ``df``, named
        ``holdout``; exactly ``round(holdout * n)`` rows are ``True``.

    Raises
    ------
    DataError
        Not a DataFrame, fewer than two rows, or ``holdout`` outside (0, 1).

    Notes
    -----
    A random permutation of the rows (``numpy.random.default_rng``); the
    first ``round(holdout * n)`` positions are the hold-out part.  Choosing
    a rule on the other part (calibration) and measuring it on the hold-out
    part gives an honest estimate of how the rule will do on new customers.

    References
    ----------
    Hastie, T., Tibshirani, R. & Friedman, J. (2009). *The Elements of
    Statistical Learning*, 2nd ed., Springer, section 7.2.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"x": range(10)})
    >>> m = holdout_split(d, holdout=0.3, random_state=1)
    >>> int(m.sum()), m.equals(holdout_split(d, holdout=0.3, random_state=1))
    (3, True)
    """
    where = "holdout_split"
    require_dataframe(df, where=where)
    if len(df) < 2:
        raise DataError(f"{where}: need at least two rows to split, got {len(df)}")
    if isinstance(holdout, bool) or not isinstance(holdout, (int, float, np.number)) or not 0 < holdout < 1:
        raise DataError(f"{where}: holdout={holdout!r} should be a share of rows in (0, 1), e.g. 0.5")
    if isinstance(random_state, bool) or not isinstance(random_state, (int, np.integer)):
        raise DataError(f"{where}: random_state={random_state!r} should be an int seed, e.g. SEED")
    n = len(df)
    k = min(max(int(round(holdout * n)), 1), n - 1)
    order = np.random.default_rng(int(random_state)).permutation(n)
    mask = np.zeros(n, dtype=bool)
    mask[order[:k]] = True
    return pd.Series(mask, index=df.index, name="holdout")


def mailing_profit(
    df: pd.DataFrame,
    *,
    score_col: str,
    response_col: str,
    mail_cost: float,
    profit_per_sale: float,
) -> pd.DataFrame:
    """Profit of the rule "mail everyone whose score is at least s", for every threshold s.

    Parameters
    ----------
    df : DataFrame
        One row per customer of a test mailing.
    score_col : str
        Column with the score (e.g. ``rfm_score``); higher = more likely to buy.
    response_col : str
        Column with the response, 0/1.
    mail_cost, profit_per_sale : float
        Cost of one mailing and profit of one sale (same currency), > 0.

    Returns
    -------
    DataFrame
        Indexed by ``threshold`` (every score value, ascending; the smallest
        means "mail everyone"), columns ``mailed``, ``responders``,
        ``response_rate``, ``profit`` (``profit_per_sale * responders -
        mail_cost * mailed``) and ``profit_per_customer`` (profit divided
        by all rows of ``df``, mailed or not, so that parts of different
        size compare).

    Raises
    ------
    DataError
        Missing columns or values, a response that is not 0/1, or costs
        that are not positive.

    Notes
    -----
    Break-even: mailing a group pays when its response rate exceeds
    ``mail_cost / profit_per_sale``.  A threshold rule pools neighbouring
    scores, so it is less noisy than picking score groups one by one.

    References
    ----------
    Shmueli et al., *Machine Learning for Business Analytics*, case
    "Charles Book Club"; Blattberg, Kim & Neslin (2008), chapter "RFM
    analysis" (break-even response rate).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"s": [1, 1, 2, 3, 3], "y": [0, 0, 0, 1, 0]})
    >>> mailing_profit(d, score_col="s", response_col="y", mail_cost=1.0, profit_per_sale=5.0)
               mailed  responders  response_rate  profit  profit_per_customer
    threshold
    1               5           1       0.200000     0.0                  0.0
    2               3           1       0.333333     2.0                  0.4
    3               2           1       0.500000     3.0                  0.6
    """
    where = "mailing_profit"
    require_dataframe(df, where=where)
    require_columns(df, {score_col: "score_col", response_col: "response_col"}, where=where)
    require_no_missing(df, score_col, where=where)
    require_no_missing(df, response_col, where=where)
    require_numeric(df, score_col, where=where)
    bad = ~df[response_col].isin([0, 1]).to_numpy()
    if bad.any():
        raise DataError(f"{where}: column {response_col!r} should be 0/1 but is not in {first_rows(bad, df.index)}")
    for name, value in (("mail_cost", mail_cost), ("profit_per_sale", profit_per_sale)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not value > 0:
            raise DataError(f"{where}: {name}={value!r} should be a positive amount")
    y = df[response_col].astype("int64")
    by = pd.DataFrame({"n": y.groupby(df[score_col]).size(), "r": y.groupby(df[score_col]).sum()}).sort_index()
    mailed = by["n"][::-1].cumsum()[::-1]
    responders = by["r"][::-1].cumsum()[::-1]
    out = pd.DataFrame({"mailed": mailed.astype("int64"), "responders": responders.astype("int64")})
    out["response_rate"] = out["responders"] / out["mailed"]
    out["profit"] = profit_per_sale * out["responders"] - mail_cost * out["mailed"]
    out["profit_per_customer"] = out["profit"] / len(df)
    out.index.name = "threshold"
    return out


def cbc_rfm_scores(cbc: pd.DataFrame, *, bins: int = 5) -> pd.DataFrame:
    """RFM scores for the Charles Book Club members from their raw R, F, M columns.

    Parameters
    ----------
    cbc : DataFrame
        Output of :func:`crm_lessons.datasets.load_charles_book_club`
        (``months_since_last``, ``n_purchases``, ``total_spend``).
    bins : int, default 5
        Score levels, as in :func:`rfm_scores`.

    Returns
    -------
    DataFrame
        Same index as ``cbc``; the columns of :func:`rfm_scores`.

    Raises
    ------
    DataError
        Missing columns or values.

    Notes
    -----
    In the case R is *months* since the last purchase (lower is better);
    it takes the place of ``days_since_last`` so that ``r_score = bins``
    marks the most recent members.  The case's own codes ``r_code``,
    ``f_code``, ``m_code`` use fixed bins of different widths (and for
    ``r_code`` 1 = most recent); see :func:`response_by_group` for response
    rates by either coding.

    References
    ----------
    Shmueli et al., *Machine Learning for Business Analytics*, case
    "Charles Book Club".

    Examples
    --------
    >>> from crm_lessons.datasets import load_charles_book_club
    >>> s = cbc_rfm_scores(load_charles_book_club())
    >>> s["r_score"].value_counts().sort_index().tolist()
    [800, 800, 800, 800, 800]
    """
    where = "cbc_rfm_scores"
    require_dataframe(cbc, where=where)
    require_columns(cbc, ["months_since_last", "n_purchases", "total_spend"], where=where)
    rfm = pd.DataFrame(
        {
            "days_since_last": cbc["months_since_last"],
            "n_purchases": cbc["n_purchases"],
            "total_spend": cbc["total_spend"],
        },
        index=cbc.index,
    )
    return rfm_scores(rfm, bins=bins)
