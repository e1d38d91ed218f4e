"""Personalised marketing and data mining: basket rules, recommendations, uplift.

Chapter 9 (个性化营销与数据挖掘, personalisation and data mining) calls these
functions.  They fall into three groups:

* market-basket analysis: :func:`to_baskets` (0/1 item table, items bought by
  everyone dropped), :func:`rule_metrics` (support, confidence and lift of one
  rule, by hand) and :func:`association_rules_table` (frequent itemsets and
  rules through mlxtend's Apriori);
* recommendation: :func:`hold_out_baskets` (hide some purchases of held-out
  customers), :func:`item_similarity`, :func:`item_based_scores`,
  :func:`popularity_scores` and :func:`evaluate_top_k` (hit rate, precision
  and recall at ``k``), with :func:`compare_recommenders` doing all of it;
* experiments and uplift: :func:`simulate_uplift` (a promotion with a known
  effect per customer), :class:`TwoModelUplift`,
  :class:`ClassTransformationUplift`, :func:`qini_curve`,
  :func:`qini_coefficient`, :func:`uplift_by_group` and
  :func:`incremental_response` (who to target is not who will buy).

Response models, gains and the mailing decision reuse :mod:`crm_lessons.churn`
(:func:`~crm_lessons.churn.compare_models`,
:func:`~crm_lessons.churn.gains_table`,
:func:`~crm_lessons.churn.targeting_curve`).

Examples
--------
>>> import pandas as pd
>>> b = pd.DataFrame({"milk": [1, 1, 0, 1], "bread": [1, 1, 1, 0]})
>>> rule_metrics(b, ["milk"], ["bread"])
{'support': 0.5, 'confidence': 0.6666666666666666, 'lift': 0.8888888888888888, 'count': 2}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crm_lessons._validation import DataError, check_is_fitted, first_rows, require_columns, require_dataframe

__all__ = [
    "ClassTransformationUplift",
    "HeldOutBaskets",
    "TwoModelUplift",
    "association_rules_table",
    "compare_recommenders",
    "evaluate_top_k",
    "hold_out_baskets",
    "incremental_response",
    "item_based_scores",
    "item_similarity",
    "popularity_scores",
    "qini_coefficient",
    "qini_curve",
    "rule_metrics",
    "simulate_uplift",
    "to_baskets",
    "uplift_by_group",
]


# --------------------------------------------------------------------------- market baskets


def to_baskets(data: pd.DataFrame, *, items: Sequence[str] | None = None, drop_universal: bool = True) -> pd.DataFrame:
    """A 0/1 item table as booleans, one row per basket (or customer).

    Parameters
    ----------
    data : DataFrame
        One row per basket; item columns hold 0/1 or True/False.
    items : sequence of str, optional
        Item columns; default every column except those whose name contains
        ``"transaction"`` or ``"customer"`` (ids).
    drop_universal : bool, default True
        Drop items that are in *every* basket (e.g. ``health_products`` in the
        catalogue data): their rules all have lift exactly 1 and say nothing.

    Returns
    -------
    DataFrame of bool
        Same index as ``data``, one column per kept item.

    Raises
    ------
    DataError
        If an item column is missing or holds values other than 0/1.

    Examples
    --------
    >>> df = pd.DataFrame({"transaction": [1, 2], "a": [1, 1], "b": [0, 1], "c": [1, 0]})
    >>> to_baskets(df).columns.tolist()
    ['b', 'c']
    """
    where = "to_baskets"
    require_dataframe(data, where=where)
    if items is None:
        items = [c for c in data.columns if "transaction" not in str(c) and "customer" not in str(c)]
    require_columns(data, list(items), where=where)
    out = {}
    for col in items:
        s = data[col]
        bad = ~s.isin([0, 1, True, False]).to_numpy() | s.isna().to_numpy()
        if bad.any():
            raise DataError(
                f"{where}: item column {col!r} should hold 0/1 but has other values in "
                f"{first_rows(bad, data.index)}; code 'bought' as 1 and 'not bought' as 0"
            )
        out[col] = s.astype(bool)
    baskets = pd.DataFrame(out, index=data.index)
    if drop_universal:
        baskets = baskets.loc[:, ~baskets.all()]
    if baskets.shape[1] < 2:
        raise DataError(
            f"{where}: fewer than two usable item columns ({list(baskets.columns)}); "
            "pass items=[...] with at least two items that are not in every basket"
        )
    return baskets


def rule_metrics(baskets: pd.DataFrame, antecedent: Sequence[str], consequent: Sequence[str]) -> dict:
    """Support, confidence and lift of one rule ``antecedent -> consequent``, counted directly.

    Parameters
    ----------
    baskets : DataFrame
        0/1 or bool item table (see :func:`to_baskets`).
    antecedent, consequent : sequence of str
        Item columns on each side of the rule (disjoint, non-empty).

    Returns
    -------
    dict
        ``support`` = P(A and C), ``confidence`` = P(C | A),
        ``lift`` = confidence / P(C), ``count`` = baskets with A and C.

    Raises
    ------
    DataError
        If an item is unknown, the sides overlap or no basket holds the antecedent.

    Notes
    -----
    Agrawal, Imieliński & Swami (1993) define support and confidence; lift
    (Brin et al. 1997, "interest") compares the confidence with the base rate
    of the consequent: lift 1 means buying A tells nothing about C.

    References
    ----------
    Agrawal, R., Imieliński, T., & Swami, A. (1993). Mining association rules
    between sets of items in large databases. SIGMOD, 207-216, sec. 2.
    Brin, S., Motwani, R., Ullman, J. D., & Tsur, S. (1997). Dynamic itemset
    counting and implication rules for market basket data. SIGMOD, 255-264.

    Examples
    --------
    >>> b = pd.DataFrame({"a": [1, 1, 1, 0], "c": [1, 1, 0, 1]})
    >>> rule_metrics(b, ["a"], ["c"])["confidence"]
    0.6666666666666666
    """
    where = "rule_metrics"
    a, c = list(antecedent), list(consequent)
    if not a or not c or set(a) & set(c):
        raise DataError(f"{where}: antecedent {a} and consequent {c} must be non-empty and disjoint")
    require_columns(baskets, a + c, where=where)
    b = baskets[a + c].astype(bool)
    has_a = b[a].all(axis=1)
    has_c = b[c].all(axis=1)
    if not has_a.any():
        raise DataError(f"{where}: no basket holds all of {a}; confidence is undefined")
    n = len(b)
    both = int((has_a & has_c).sum())
    confidence = both / int(has_a.sum())
    return {"support": both / n, "confidence": confidence, "lift": confidence / (int(has_c.sum()) / n), "count": both}


def association_rules_table(
    baskets: pd.DataFrame,
    *,
    min_support: float,
    min_confidence: float = 0.0,
    min_lift: float = 0.0,
    max_len: int | None = None,
) -> pd.DataFrame:
    """Frequent itemsets (Apriori) and the association rules between them.

    Parameters
    ----------
    baskets : DataFrame
        0/1 or bool item table (see :func:`to_baskets`).
    min_support : float in (0, 1]
        Minimum share of baskets that hold all items of a rule.
    min_confidence : float, default 0
        Keep rules with P(consequent | antecedent) at least this.
    min_lift : float, default 0
        Keep rules with lift at least this (use > 1 to keep only rules where
        the antecedent makes the consequent *more* likely).
    max_len : int, optional
        Largest itemset (antecedent + consequent) considered.

    Returns
    -------
    DataFrame
        One row per rule, sorted by lift then confidence (descending):
        ``antecedent`` and ``consequent`` (items joined by ``" + "``),
        ``n_antecedent`` (items on the left), ``support``, ``confidence``,
        ``lift``, ``consequent_support`` (the base rate a rule should beat),
        ``leverage`` (support - expected support under independence),
        ``count`` (baskets holding the whole rule).

    Raises
    ------
    DataError
        If a threshold is out of range or the table is not 0/1.

    Notes
    -----
    Apriori (Agrawal & Srikant 1994) through :func:`mlxtend.frequent_patterns.apriori`
    and :func:`~mlxtend.frequent_patterns.association_rules`; mlxtend is
    imported here so that importing the package stays fast (``num_itemsets``,
    the number of baskets, is passed explicitly: mlxtend 0.23.2 and 0.23.3
    require it).

    References
    ----------
    Agrawal, R., & Srikant, R. (1994). Fast algorithms for mining association
    rules. VLDB, 487-499.

    Examples
    --------
    >>> b = pd.DataFrame({"a": [1, 1, 1, 0], "c": [1, 1, 0, 1]})
    >>> association_rules_table(b, min_support=0.5)[["antecedent", "consequent", "confidence"]]
      antecedent consequent  confidence
    0          a          c    0.666667
    1          c          a    0.666667
    """
    from mlxtend.frequent_patterns import apriori, association_rules

    where = "association_rules_table"
    if not 0 < min_support <= 1:
        raise DataError(f"{where}: min_support={min_support} should be in (0, 1], a share of baskets")
    if not 0 <= min_confidence <= 1:
        raise DataError(f"{where}: min_confidence={min_confidence} should be in [0, 1]")
    b = to_baskets(baskets, items=list(baskets.columns), drop_universal=False)
    columns = [
        "antecedent",
        "consequent",
        "n_antecedent",
        "support",
        "confidence",
        "lift",
        "consequent_support",
        "leverage",
        "count",
    ]
    itemsets = apriori(b, min_support=min_support, use_colnames=True, max_len=max_len)
    if itemsets.empty or (itemsets["itemsets"].map(len) > 1).sum() == 0:
        return pd.DataFrame(columns=columns)
    rules = association_rules(itemsets, num_itemsets=len(b), metric="confidence", min_threshold=min_confidence)
    rules = rules[rules["lift"] >= min_lift]
    out = pd.DataFrame(
        {
            "antecedent": rules["antecedents"].map(lambda s: " + ".join(sorted(s))),
            "consequent": rules["consequents"].map(lambda s: " + ".join(sorted(s))),
            "n_antecedent": rules["antecedents"].map(len).astype("int64"),
            "support": rules["support"].astype(float),
            "confidence": rules["confidence"].astype(float),
            "lift": rules["lift"].astype(float),
            "consequent_support": rules["consequent support"].astype(float),
            "leverage": rules["leverage"].astype(float),
            "count": np.rint(rules["support"].to_numpy() * len(b)).astype("int64"),
        }
    )
    # mlxtend walks frozensets, whose order changes with the string-hash seed of the process, so a
    # rule's lift and its reverse's can differ in the last bit: sort on rounded values for a stable order
    key = out.assign(_lift=out["lift"].round(10), _conf=out["confidence"].round(10))
    key = key.sort_values(
        ["_lift", "_conf", "antecedent", "consequent"], ascending=[False, False, True, True], kind="stable"
    )
    return out.loc[key.index].reset_index(drop=True)


# --------------------------------------------------------------------------- recommendation


@dataclass(frozen=True)
class HeldOutBaskets:
    """Result of :func:`hold_out_baskets`.

    Attributes
    ----------
    train : DataFrame of bool
        Baskets of the training customers, complete.
    visible : DataFrame of bool
        Held-out customers' baskets with the hidden purchases removed (what a
        recommender may see).
    hidden : DataFrame of bool
        The hidden purchases (what it should find); same index as ``visible``.
    """

    train: pd.DataFrame
    visible: pd.DataFrame
    hidden: pd.DataFrame


def hold_out_baskets(
    baskets: pd.DataFrame, *, test_size: float = 0.3, n_hidden: int = 1, random_state: int
) -> HeldOutBaskets:
    """Split customers into training and held-out ones, and hide purchases of the held-out ones.

    Parameters
    ----------
    baskets : DataFrame
        0/1 or bool item table, one row per customer.
    test_size : float, default 0.3
        Share of customers held out.
    n_hidden : int, default 1
        Purchases hidden per held-out customer, drawn at random; at least one
        purchase stays visible, so only held-out customers with at least
        ``n_hidden + 1`` items are evaluated (the others are dropped from
        ``visible`` / ``hidden``: a recommender has nothing to go on).
    random_state : int
        Seed of the split and of the hidden items.

    Returns
    -------
    HeldOutBaskets

    Examples
    --------
    >>> b = pd.DataFrame({"a": [1, 1, 1, 1], "b": [1, 1, 0, 1], "c": [0, 1, 1, 1]})
    >>> h = hold_out_baskets(b, test_size=0.5, random_state=0)
    >>> len(h.train), int(h.hidden.sum(axis=1).max()), bool((h.visible & h.hidden).any().any())
    (2, 1, False)
    """
    where = "hold_out_baskets"
    b = to_baskets(baskets, items=list(baskets.columns), drop_universal=False)
    if not 0 < test_size < 1:
        raise DataError(f"{where}: test_size={test_size} should be between 0 and 1")
    if n_hidden < 1:
        raise DataError(f"{where}: n_hidden={n_hidden} should be at least 1")
    rng = np.random.default_rng(random_state)
    n_test = int(round(test_size * len(b)))
    if not 0 < n_test < len(b):
        raise DataError(f"{where}: test_size={test_size} leaves no training or no held-out customer among {len(b)}")
    test_pos = np.sort(rng.choice(len(b), size=n_test, replace=False))
    is_test = np.zeros(len(b), dtype=bool)
    is_test[test_pos] = True
    train, test = b[~is_test], b[is_test]
    test = test[test.sum(axis=1) > n_hidden]
    values = test.to_numpy()
    hidden = np.zeros_like(values)
    for i, row in enumerate(values):
        owned = np.flatnonzero(row)
        hidden[i, rng.choice(owned, size=n_hidden, replace=False)] = True
    return HeldOutBaskets(
        train=train,
        visible=pd.DataFrame(values & ~hidden, index=test.index, columns=test.columns),
        hidden=pd.DataFrame(hidden, index=test.index, columns=test.columns),
    )


def item_similarity(train: pd.DataFrame) -> pd.DataFrame:
    """Cosine similarity between items over the training customers.

    Parameters
    ----------
    train : DataFrame
        0/1 or bool item table.

    Returns
    -------
    DataFrame
        Items x items; diagonal set to 0 (an item does not recommend itself).

    Notes
    -----
    :math:`\\mathrm{sim}(i, j) = n_{ij} / \\sqrt{n_i n_j}` with :math:`n_{ij}`
    the customers who bought both (Sarwar et al. 2001, sec. 3.1.1;
    Linden, Smith & York 2003).

    References
    ----------
    Sarwar, B., Karypis, G., Konstan, J., & Riedl, J. (2001). Item-based
    collaborative filtering recommendation algorithms. WWW, 285-295.
    Linden, G., Smith, B., & York, J. (2003). Amazon.com recommendations:
    item-to-item collaborative filtering. IEEE Internet Computing 7(1), 76-80.

    Examples
    --------
    >>> b = pd.DataFrame({"a": [1, 1, 0], "b": [1, 0, 1]})
    >>> round(float(item_similarity(b).loc["a", "b"]), 3)
    0.5
    """
    m = to_baskets(train, items=list(train.columns), drop_universal=False).to_numpy(dtype=float)
    co = m.T @ m
    n = np.diag(co).copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        sim = co / np.sqrt(np.outer(n, n))
    sim = np.nan_to_num(sim, nan=0.0, posinf=0.0)
    np.fill_diagonal(sim, 0.0)
    return pd.DataFrame(sim, index=train.columns, columns=train.columns)


def item_based_scores(visible: pd.DataFrame, similarity: pd.DataFrame) -> pd.DataFrame:
    """Score every item for every customer: the sum of its similarities to the items they own.

    Items a customer already owns get ``-inf`` (never recommended again).

    Examples
    --------
    >>> sim = pd.DataFrame([[0, .5, .1], [.5, 0, .2], [.1, .2, 0]], index=list("abc"), columns=list("abc"))
    >>> item_based_scores(pd.DataFrame({"a": [1], "b": [0], "c": [0]}), sim).round(2).iloc[0].tolist()
    [-inf, 0.5, 0.1]
    """
    v = visible[similarity.columns].astype(bool)
    scores = v.to_numpy(dtype=float) @ similarity.to_numpy()
    scores[v.to_numpy()] = -np.inf
    return pd.DataFrame(scores, index=visible.index, columns=similarity.columns)


def popularity_scores(train: pd.DataFrame, visible: pd.DataFrame) -> pd.DataFrame:
    """The baseline: recommend the items most customers bought, except those already owned.

    Examples
    --------
    >>> tr = pd.DataFrame({"a": [1, 1, 1], "b": [1, 0, 0], "c": [1, 1, 0]})
    >>> popularity_scores(tr, pd.DataFrame({"a": [1], "b": [0], "c": [0]})).iloc[0].tolist()
    [-inf, 0.3333333333333333, 0.6666666666666666]
    """
    share = train.astype(bool).mean().to_numpy()
    v = visible[train.columns].astype(bool).to_numpy()
    scores = np.tile(share, (len(v), 1))
    scores[v] = -np.inf
    return pd.DataFrame(scores, index=visible.index, columns=train.columns)


def evaluate_top_k(scores: pd.DataFrame, hidden: pd.DataFrame, *, k: int) -> dict:
    """Hit rate, precision and recall of each customer's top-``k`` recommendations.

    Parameters
    ----------
    scores : DataFrame
        Customers x items (higher = recommend first); ties are broken by
        column order.
    hidden : DataFrame
        The purchases to be found, same shape.
    k : int
        Length of the recommendation list.

    Returns
    -------
    dict
        ``hit_rate`` (share of customers with at least one hidden item in the
        list), ``precision`` (mean share of the ``k`` recommendations that were
        bought), ``recall`` (mean share of hidden items found), ``n_customers``.

    Examples
    --------
    >>> s = pd.DataFrame({"a": [0.9, 0.1], "b": [0.5, 0.8], "c": [0.1, 0.2]})
    >>> h = pd.DataFrame({"a": [0, 0], "b": [1, 0], "c": [0, 1]})
    >>> evaluate_top_k(s, h, k=1)
    {'hit_rate': 0.0, 'precision': 0.0, 'recall': 0.0, 'n_customers': 2}
    >>> evaluate_top_k(s, h, k=2)
    {'hit_rate': 1.0, 'precision': 0.5, 'recall': 1.0, 'n_customers': 2}
    """
    where = "evaluate_top_k"
    if not scores.index.equals(hidden.index):
        raise DataError(f"{where}: scores and hidden should have the same customers (index)")
    if not 1 <= k <= scores.shape[1]:
        raise DataError(f"{where}: k={k} should be between 1 and the number of items ({scores.shape[1]})")
    s = scores.to_numpy(dtype=float)
    h = hidden[scores.columns].astype(bool).to_numpy()
    top = np.argsort(-s, axis=1, kind="stable")[:, :k]
    found = np.take_along_axis(h, top, axis=1).sum(axis=1)
    n_hidden = h.sum(axis=1)
    return {
        "hit_rate": float((found > 0).mean()),
        "precision": float((found / k).mean()),
        "recall": float(np.mean(np.divide(found, n_hidden, out=np.zeros(len(found)), where=n_hidden > 0))),
        "n_customers": int(len(found)),
    }


def compare_recommenders(
    baskets: pd.DataFrame,
    *,
    ks: Sequence[int] = (1, 2, 3),
    test_size: float = 0.3,
    n_hidden: int = 1,
    random_state: int,
) -> pd.DataFrame:
    """Item-based recommender against the popularity baseline on held-out purchases.

    Returns
    -------
    DataFrame
        One row per method (``item_based``, ``popularity``) and ``k``:
        ``hit_rate``, ``precision``, ``recall``, ``n_customers``.

    Examples
    --------
    >>> from crm_lessons.datasets import load_cosmetics
    >>> res = compare_recommenders(to_baskets(load_cosmetics()), ks=[3], random_state=0)
    >>> sorted(res.index.get_level_values("method"))
    ['item_based', 'popularity']
    """
    split = hold_out_baskets(baskets, test_size=test_size, n_hidden=n_hidden, random_state=random_state)
    methods = {
        "item_based": item_based_scores(split.visible, item_similarity(split.train)),
        "popularity": popularity_scores(split.train, split.visible),
    }
    rows = [{"method": name, "k": k, **evaluate_top_k(s, split.hidden, k=k)} for name, s in methods.items() for k in ks]
    return pd.DataFrame(rows).set_index(["method", "k"])


# --------------------------------------------------------------------------- uplift


def simulate_uplift(n: int = 20_000, *, treat_share: float = 0.5, random_state: int) -> pd.DataFrame:
    """A randomised promotion where each customer's true effect is known.

    Four customer features ``x1`` .. ``x4`` (standard normal).  Without the
    promotion a customer buys with probability
    :math:`p_0 = \\sigma(-2 + 1.5 x_1)`; with it,
    :math:`p_1 = \\sigma(-2 + 1.5 x_1 + \\tau)` with
    :math:`\\tau = 1.2 x_2 - 0.8 x_1` on the log-odds scale.  So the
    customers most likely to buy (high ``x1``, "sure things") are *hurt* or
    barely moved by the promotion, and those it persuades are the ones with
    high ``x2``; ``x3`` and ``x4`` are noise.

    Parameters
    ----------
    n : int, default 20,000
    treat_share : float, default 0.5
        Probability of being promoted (random assignment).
    random_state : int

    Returns
    -------
    DataFrame
        ``x1`` .. ``x4``, ``treatment`` (0/1), ``p_control``, ``p_treated``,
        ``true_uplift`` (= ``p_treated - p_control``), ``purchase`` (0/1, the
        observed outcome under the assigned arm), ``segment``
        (``persuadable`` uplift > 0.05, ``sleeping_dog`` < -0.05,
        ``sure_thing`` p_control >= 0.5, otherwise ``lost_cause``).

    Notes
    -----
    The four segments are those of Radcliffe & Surry (2011, sec. 2).

    References
    ----------
    Radcliffe, N. J., & Surry, P. D. (2011). Real-world uplift modelling
    with significance-based uplift trees. Stochastic Solutions white paper.

    Examples
    --------
    >>> sim = simulate_uplift(1000, random_state=0)
    >>> sim.shape, bool(sim["true_uplift"].between(-1, 1).all())
    ((1000, 10), True)
    """
    if n < 10:
        raise DataError(f"simulate_uplift: n={n} should be at least 10")
    if not 0 < treat_share < 1:
        raise DataError(f"simulate_uplift: treat_share={treat_share} should be between 0 and 1")
    rng = np.random.default_rng(random_state)
    x = rng.standard_normal((n, 4))
    base = -2.0 + 1.5 * x[:, 0]
    tau = 1.2 * x[:, 1] - 0.8 * x[:, 0]
    p0 = 1 / (1 + np.exp(-base))
    p1 = 1 / (1 + np.exp(-(base + tau)))
    t = (rng.random(n) < treat_share).astype("int64")
    y = (rng.random(n) < np.where(t == 1, p1, p0)).astype("int64")
    uplift = p1 - p0
    segment = np.select(
        [uplift > 0.05, uplift < -0.05, p0 >= 0.5], ["persuadable", "sleeping_dog", "sure_thing"], "lost_cause"
    )
    return pd.DataFrame(
        {
            "x1": x[:, 0],
            "x2": x[:, 1],
            "x3": x[:, 2],
            "x4": x[:, 3],
            "treatment": t,
            "p_control": p0,
            "p_treated": p1,
            "true_uplift": uplift,
            "purchase": y,
            "segment": segment,
        }
    )


def _check_experiment(y, treatment, *, where: str, n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    yv = np.asarray(y, dtype=float)
    tv = np.asarray(treatment, dtype=float)
    if yv.ndim != 1 or tv.shape != yv.shape or (n is not None and len(yv) != n):
        raise DataError(
            f"{where}: outcome ({yv.shape}), treatment ({tv.shape}) and features/scores "
            f"({n} rows) should have the same length"
        )
    for name, v in (("outcome", yv), ("treatment", tv)):
        if not np.isin(v, [0, 1]).all():
            raise DataError(f"{where}: {name} should hold 0/1 only")
    if tv.min() == tv.max():
        raise DataError(
            f"{where}: every customer is in one arm (treatment all {int(tv[0])}); "
            "uplift needs both a treated and a control group"
        )
    return yv.astype("int64"), tv.astype("int64")


def _default_classifier():
    from crm_lessons.scoring import make_churn_pipeline

    return make_churn_pipeline("logit")


class _Uplift:
    """Shared scikit-learn style plumbing of the uplift models."""

    def __init__(self, *, estimator=None):
        self.estimator = estimator

    def _new(self):
        from sklearn.base import clone

        return clone(self.estimator) if self.estimator is not None else _default_classifier()

    def _require_fitted(self):
        check_is_fitted(self, "models_", fit_call="fit(X, treatment, y)")


class TwoModelUplift(_Uplift):
    """Uplift as the difference of two response models, one per arm.

    ``fit(X, treatment, y)`` fits a classifier on the treated customers and
    another on the controls; ``predict_uplift(X)`` returns
    :math:`\\hat P(y=1 \\mid x, T=1) - \\hat P(y=1 \\mid x, T=0)`.

    Parameters
    ----------
    estimator : scikit-learn classifier, optional
        Cloned for each arm; default a logistic regression with one-hot
        encoding of text columns and standardised numbers
        (:func:`crm_lessons.churn.make_churn_pipeline`).

    References
    ----------
    Gutierrez, P., & Gérardy, J.-Y. (2017). Causal inference and uplift
    modelling: a review of the literature. PMLR 67, 1-13, sec. 3.1
    ("two-model approach").

    Examples
    --------
    >>> sim = simulate_uplift(4000, random_state=1)
    >>> X = sim[["x1", "x2", "x3", "x4"]]
    >>> m = TwoModelUplift().fit(X, sim["treatment"], sim["purchase"])
    >>> m.predict_uplift(X).shape
    (4000,)
    """

    def fit(self, X: pd.DataFrame, treatment, y) -> TwoModelUplift:
        yv, tv = _check_experiment(y, treatment, where="TwoModelUplift.fit", n=len(X))
        self.models_ = {}
        for arm in (0, 1):
            rows = tv == arm
            if yv[rows].min() == yv[rows].max():
                raise DataError(
                    f"TwoModelUplift.fit: every customer in arm {arm} has the same outcome; "
                    "a response model cannot be fitted there"
                )
            self.models_[arm] = self._new().fit(X[rows], yv[rows])
        return self

    def predict_uplift(self, X: pd.DataFrame) -> np.ndarray:
        self._require_fitted()
        return self.models_[1].predict_proba(X)[:, 1] - self.models_[0].predict_proba(X)[:, 1]


class ClassTransformationUplift(_Uplift):
    """Uplift from one classifier of the transformed class ``z = 1`` if (treated and bought) or (control and did not buy).

    With both arms weighted to equal size, :math:`P(z=1 \\mid x) = (1 + u(x)) / 2`,
    so :math:`\\hat u(x) = 2 \\hat P(z=1 \\mid x) - 1` (Jaśkowski & Jaroszewicz
    2012).  Customers are weighted by ``0.5 / share of their arm``,
    which makes the identity hold when the arms have unequal sizes.

    Parameters
    ----------
    estimator : scikit-learn classifier, optional
        Must accept ``sample_weight`` in ``fit`` (a Pipeline receives it as
        ``model__sample_weight``); default as in :class:`TwoModelUplift`.

    References
    ----------
    Jaśkowski, M., & Jaroszewicz, S. (2012). Uplift modeling for clinical
    trial data. ICML Workshop on Clinical Data Analysis.

    Examples
    --------
    >>> sim = simulate_uplift(4000, random_state=1)
    >>> X = sim[["x1", "x2", "x3", "x4"]]
    >>> u = ClassTransformationUplift().fit(X, sim["treatment"], sim["purchase"]).predict_uplift(X)
    >>> bool((u >= -1).all() and (u <= 1).all())
    True
    """

    def fit(self, X: pd.DataFrame, treatment, y) -> ClassTransformationUplift:
        from sklearn.pipeline import Pipeline

        yv, tv = _check_experiment(y, treatment, where="ClassTransformationUplift.fit", n=len(X))
        z = (yv == tv).astype("int64")
        share = tv.mean()
        weight = np.where(tv == 1, 0.5 / share, 0.5 / (1 - share))
        model = self._new()
        key = f"{model.steps[-1][0]}__sample_weight" if isinstance(model, Pipeline) else "sample_weight"
        self.models_ = {"z": model.fit(X, z, **{key: weight})}
        return self

    def predict_uplift(self, X: pd.DataFrame) -> np.ndarray:
        self._require_fitted()
        return 2 * self.models_["z"].predict_proba(X)[:, 1] - 1


def _sorted_arms(y, treatment, scores, where):
    s = np.asarray(scores, dtype=float)
    if s.ndim != 1 or np.isnan(s).any():
        raise DataError(f"{where}: scores should be a 1-d array without missing values")
    yv, tv = _check_experiment(y, treatment, where=where, n=len(s))
    order = np.argsort(-s, kind="stable")
    return yv[order], tv[order]


def qini_curve(y, treatment, scores) -> pd.DataFrame:
    """Qini and uplift curves: incremental buyers when the top-``k`` customers by score are targeted.

    Parameters
    ----------
    y : array-like of 0/1
        Outcome (bought).
    treatment : array-like of 0/1
        1 = received the promotion (random assignment).
    scores : array-like of float
        Higher = target first (predicted uplift, or a response score to
        compare); ties in input order.

    Returns
    -------
    DataFrame
        One row per ``k`` = 0..n: ``share`` (k / n), ``n_treated``,
        ``n_control``, ``buyers_treated``, ``buyers_control`` among the top k,
        ``qini`` (incremental buyers among the treated of the top k:
        :math:`Y_T(k) - Y_C(k) N_T(k) / N_C(k)`), ``uplift_curve``
        (:math:`(Y_T/N_T - Y_C/N_C)(k)` times k: incremental buyers if all top
        k were promoted) and ``random`` (the Qini of a random order, the
        straight line to ``qini`` at k = n).

    Notes
    -----
    Radcliffe (2007) for the Qini curve; Gutierrez & Gérardy (2017)
    for both curves.  While the top k holds no control customer
    the curves are 0.

    References
    ----------
    Radcliffe, N. J. (2007). Using control groups to target on predicted
    lift: building and assessing uplift models. Direct Marketing Analytics
    Journal, 1, 14-21.

    Examples
    --------
    >>> q = qini_curve([1, 0, 0, 1], [1, 0, 1, 0], [0.9, 0.8, 0.2, 0.1])
    >>> q["qini"].tolist()
    [0.0, 0.0, 1.0, 1.0, 0.0]
    """
    ys, ts = _sorted_arms(y, treatment, scores, "qini_curve")
    n_t = np.concatenate([[0], np.cumsum(ts)])
    n_c = np.concatenate([[0], np.cumsum(1 - ts)])
    y_t = np.concatenate([[0], np.cumsum(ys * ts)])
    y_c = np.concatenate([[0], np.cumsum(ys * (1 - ts))])
    k = np.arange(len(ys) + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        qini = np.where(n_c > 0, y_t - y_c * n_t / np.maximum(n_c, 1), 0.0)
        rate_t = np.where(n_t > 0, y_t / np.maximum(n_t, 1), 0.0)
        rate_c = np.where(n_c > 0, y_c / np.maximum(n_c, 1), 0.0)
    uplift = np.where((n_t > 0) & (n_c > 0), (rate_t - rate_c) * k, 0.0)
    return pd.DataFrame(
        {
            "k": k,
            "share": k / len(ys),
            "n_treated": n_t,
            "n_control": n_c,
            "buyers_treated": y_t,
            "buyers_control": y_c,
            "qini": qini,
            "uplift_curve": uplift,
            "random": k / len(ys) * qini[-1],
        }
    )


def qini_coefficient(y, treatment, scores) -> float:
    """Area between the Qini curve and the random line (x axis: share targeted 0..1).

    In incremental buyers; positive = the scores put persuadable customers
    first, 0 = no better than random, negative = worse.  Compare models on
    the same customers only (the scale depends on the data).

    Examples
    --------
    >>> round(qini_coefficient([1, 0, 0, 1], [1, 0, 1, 0], [0.9, 0.8, 0.2, 0.1]), 3)
    0.5
    """
    q = qini_curve(y, treatment, scores)
    gap = (q["qini"] - q["random"]).to_numpy()
    return float(np.sum((gap[1:] + gap[:-1]) / 2 * np.diff(q["share"].to_numpy())))


def uplift_by_group(y, treatment, scores, *, n_bins: int = 10) -> pd.DataFrame:
    """Observed response of treated and control customers by score group (equal-size groups).

    Returns
    -------
    DataFrame
        One row per group (``bin`` 1 = highest scores): ``n_treated``,
        ``n_control``, ``rate_treated``, ``rate_control``, ``uplift``
        (difference of the two rates; NaN if an arm is empty in the group).

    Examples
    --------
    >>> uplift_by_group([1, 0, 0, 1], [1, 0, 1, 0], [0.9, 0.8, 0.2, 0.1], n_bins=2)["uplift"].tolist()
    [1.0, -1.0]
    """
    ys, ts = _sorted_arms(y, treatment, scores, "uplift_by_group")
    if not 1 <= n_bins <= len(ys):
        raise DataError(f"uplift_by_group: n_bins={n_bins} should be between 1 and {len(ys)}")
    rows = []
    for i, (yg, tg) in enumerate(zip(np.array_split(ys, n_bins), np.array_split(ts, n_bins)), start=1):
        nt, nc = int(tg.sum()), int((1 - tg).sum())
        rt = yg[tg == 1].mean() if nt else np.nan
        rc = yg[tg == 0].mean() if nc else np.nan
        rows.append(
            {"bin": i, "n_treated": nt, "n_control": nc, "rate_treated": rt, "rate_control": rc, "uplift": rt - rc}
        )
    return pd.DataFrame(rows)


def incremental_response(y, treatment, scores, *, share: float) -> dict:
    """Estimated extra buyers if the top ``share`` of customers by score were promoted.

    Parameters
    ----------
    y, treatment : array-like of 0/1
        Outcome and random assignment of an experiment (hold-out part).
    scores : array-like of float
        Targeting order (higher first; ties in input order).
    share : float in (0, 1]
        Share of customers targeted.

    Returns
    -------
    dict
        ``n`` (customers in the top group), ``rate_treated``, ``rate_control``,
        ``incremental`` = (rate_treated - rate_control) x n, and ``se``, its
        standard error :math:`n \\sqrt{p_T(1-p_T)/n_T + p_C(1-p_C)/n_C}`
        (normal approximation: with few buyers treat it as a rough guide).

    Examples
    --------
    >>> incremental_response([1, 0, 0, 1], [1, 0, 1, 0], [0.9, 0.8, 0.2, 0.1], share=0.5)["incremental"]
    2.0
    """
    where = "incremental_response"
    ys, ts = _sorted_arms(y, treatment, scores, where)
    if not 0 < share <= 1:
        raise DataError(f"{where}: share={share} should be in (0, 1]")
    k = int(round(share * len(ys)))
    yk, tk = ys[:k], ts[:k]
    if k == 0 or tk.min() == tk.max():
        raise DataError(f"{where}: the top {k} customers hold only one arm; use a larger share")
    nt, nc = int(tk.sum()), int(k - tk.sum())
    pt, pc = float(yk[tk == 1].mean()), float(yk[tk == 0].mean())
    se = k * np.sqrt(pt * (1 - pt) / nt + pc * (1 - pc) / nc)
    return {"n": k, "rate_treated": pt, "rate_control": pc, "incremental": (pt - pc) * k, "se": float(se)}
