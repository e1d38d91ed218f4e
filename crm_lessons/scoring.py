"""Scoring models for a yes/no customer outcome (churn, the response to an offer).

A scikit-learn pipeline scores each customer, the models are compared on a hold-out set, the
scores checked and ranked, and the ranking turned into a decision:

* :func:`make_churn_pipeline` (logistic regression or gradient boosting behind one preprocessing
  step) and :func:`compare_models` (stratified hold-out + cross-validation on the training part);
* :func:`calibration_table` and :func:`gains_table` (are the probabilities right, and how much of
  the outcome do the top deciles hold);
* :func:`targeting_curve` (expected profit of an offer by how many customers receive it);
* :func:`variance_inflation` (collinear features whose coefficients cannot be read one by one).

Chapter 7 scores churn with them, chapter 9 the response to a loan offer; the functions are also
importable from :mod:`crm_lessons.churn`, where the chapters call them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # scikit-learn and statsmodels are imported inside the functions: importing them
    # adds warning filters, and importing crm_lessons must change no global state
    from sklearn.pipeline import Pipeline
__all__ = [
    "ChurnModels",
    "Targeting",
    "calibration_table",
    "compare_models",
    "gains_table",
    "make_churn_pipeline",
    "targeting_curve",
    "variance_inflation",
]

from crm_lessons._validation import (
    DataError,
    as_float_array,
    require_binary,
    require_columns,
    require_dataframe,
    require_no_missing,
    require_numeric,
    require_probabilities,
)


def make_churn_pipeline(kind: str = "logit", *, random_state: int | None = None) -> Pipeline:
    """Early-warning model as a scikit-learn Pipeline (preprocessing + classifier).

    Parameters
    ----------
    kind : {"logit", "gbm"}
        ``"logit"``: logistic regression (interpretable; L2 penalty ``C=1``).
        ``"gbm"``: :class:`~sklearn.ensemble.HistGradientBoostingClassifier`
        (200 shallow trees, learning rate 0.05, no early stopping).
    random_state : int, optional
        Seed of the gradient-boosting model (unused by the logit).

    Returns
    -------
    Pipeline
        Steps ``"pre"`` (ColumnTransformer: one-hot with the first category as
        reference for non-numeric columns, standardisation of numeric ones)
        and ``"model"``.

    Raises
    ------
    DataError
        If ``kind`` is unknown.

    Notes
    -----
    Logit: :math:`\\log \\frac{p}{1-p} = \\beta_0 + x^\\top \\beta`
    (Hosmer, Lemeshow & Sturdivant 2013, eq. 1.1).  The first category of each
    categorical column is the reference, so ``exp(beta)`` is an odds ratio
    against it.

    References
    ----------
    Hosmer, D. W., Lemeshow, S., & Sturdivant, R. X. (2013). Applied Logistic
    Regression, 3rd ed., Wiley.
    Friedman, J. H. (2001). Greedy function approximation: a gradient
    boosting machine. Annals of Statistics 29(5), 1189-1232.

    Examples
    --------
    >>> [name for name, _ in make_churn_pipeline("gbm", random_state=0).steps]
    ['pre', 'model']
    """
    from sklearn.compose import ColumnTransformer, make_column_selector
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    pre = ColumnTransformer(
        [
            ("cat", OneHotEncoder(drop="first", sparse_output=False), make_column_selector(dtype_exclude="number")),
            ("num", StandardScaler(), make_column_selector(dtype_include="number")),
        ],
        verbose_feature_names_out=False,
    )
    if kind == "logit":
        model = LogisticRegression(C=1.0, max_iter=2000)
    elif kind == "gbm":
        model = HistGradientBoostingClassifier(
            max_iter=200,
            learning_rate=0.05,
            max_depth=3,
            early_stopping=False,
            random_state=random_state,
        )
    else:
        raise DataError(f"make_churn_pipeline: kind={kind!r} is unknown; use 'logit' or 'gbm'")
    return Pipeline([("pre", pre), ("model", model)])


@dataclass
class ChurnModels:
    """Fitted early-warning models with an honest evaluation (result of :func:`compare_models`).

    Attributes
    ----------
    pipelines : dict of str to Pipeline
        Fitted on the training part only.
    X_train, X_test : DataFrame
    y_train, y_test : Series
    cv : DataFrame
        One row per model and fold: ``model``, ``fold``, ``roc_auc``, ``pr_auc``.
    holdout : DataFrame
        Indexed by model: ``cv_roc_auc`` (mean), ``cv_roc_auc_sd``,
        ``test_roc_auc``, ``test_pr_auc``, ``base_rate`` (churn share in test).
    test_scores : DataFrame
        Churn probability of each test customer per model.
    """

    pipelines: dict[str, Pipeline]
    X_train: pd.DataFrame
    X_test: pd.DataFrame
    y_train: pd.Series
    y_test: pd.Series
    cv: pd.DataFrame
    holdout: pd.DataFrame
    test_scores: pd.DataFrame = field(repr=False)

    @property
    def best(self) -> str:
        """Name of the model with the highest held-out ROC AUC."""
        return str(self.holdout["test_roc_auc"].idxmax())


def compare_models(
    X: pd.DataFrame,
    y: pd.Series,
    *,
    kinds: Sequence[str] = ("logit", "gbm"),
    test_size: float = 0.25,
    n_splits: int = 5,
    random_state: int,
    n_threads: int | None = 1,
) -> ChurnModels:
    """Fit and evaluate early-warning models: stratified hold-out, CV on the training part only.

    Parameters
    ----------
    X, y
        From :func:`prepare_telco_features`.
    kinds : sequence of str
        Model kinds for :func:`make_churn_pipeline`.
    test_size : float, default 0.25
        Share of customers held out (stratified by ``y``), never seen while
        fitting or choosing.
    n_splits : int, default 5
        Folds of :class:`~sklearn.model_selection.StratifiedKFold` on the
        training part.
    random_state : int
        Seed of the split, the folds and the models (required: it changes the
        result).
    n_threads : int or None, default 1
        OpenMP threads used while fitting (``None``: the libraries' default,
        all cores).  The data are small; one thread avoids the
        oversubscription that makes gradient boosting over ten times slower
        on a busy 2-core machine.  The limit applies only inside this call.

    Returns
    -------
    ChurnModels

    Raises
    ------
    DataError
        If ``X`` and ``y`` are not aligned or ``y`` is not 0/1.

    Notes
    -----
    ROC AUC is the probability that a random churner scores above a random
    stayer (Hanley & McNeil 1982, eq. 1); PR AUC is average precision,
    :math:`\\sum_n (R_n - R_{n-1}) P_n`, whose no-skill level is the churn
    rate.

    References
    ----------
    Hanley, J. A., & McNeil, B. J. (1982). The meaning and use of the area
    under a ROC curve. Radiology 143(1), 29-36.

    Examples
    --------
    >>> from crm_lessons.churn import prepare_telco_features
    >>> from crm_lessons.datasets import load_telco
    >>> X, y = prepare_telco_features(load_telco())
    >>> res = compare_models(X, y, kinds=["logit"], n_splits=3, random_state=0)
    >>> len(res.X_test), round(float(res.y_test.mean()), 3)
    (1761, 0.265)
    """
    from sklearn.model_selection import train_test_split
    from threadpoolctl import threadpool_limits

    where = "compare_models"
    require_dataframe(X, where=where)
    if len(X) != len(y) or not X.index.equals(y.index):
        raise DataError(
            f"{where}: X ({len(X)} rows) and y ({len(y)} rows) are not aligned; build both with prepare_telco_features"
        )
    yv = require_binary(pd.DataFrame({"y": y}), "y", where=where)
    X_tr, X_te, y_tr, y_te = train_test_split(X, yv, test_size=test_size, stratify=yv, random_state=random_state)
    with threadpool_limits(limits=n_threads):
        return _fit_and_evaluate(X_tr, X_te, y_tr, y_te, kinds, n_splits, random_state)


def _fit_and_evaluate(X_tr, X_te, y_tr, y_te, kinds, n_splits, random_state) -> ChurnModels:
    from sklearn.metrics import average_precision_score, roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_validate

    cv = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    pipes, cv_rows, hold_rows, scores = {}, [], [], {}
    for kind in kinds:
        pipe = make_churn_pipeline(kind, random_state=random_state)
        res = cross_validate(pipe, X_tr, y_tr, cv=cv, scoring={"roc_auc": "roc_auc", "pr_auc": "average_precision"})
        for i in range(n_splits):
            cv_rows.append(
                {
                    "model": kind,
                    "fold": i + 1,
                    "roc_auc": float(res["test_roc_auc"][i]),
                    "pr_auc": float(res["test_pr_auc"][i]),
                }
            )
        pipe.fit(X_tr, y_tr)
        p = pipe.predict_proba(X_te)[:, 1]
        pipes[kind], scores[kind] = pipe, p
        hold_rows.append(
            {
                "model": kind,
                "cv_roc_auc": float(np.mean(res["test_roc_auc"])),
                "cv_roc_auc_sd": float(np.std(res["test_roc_auc"], ddof=1)),
                "test_roc_auc": float(roc_auc_score(y_te, p)),
                "test_pr_auc": float(average_precision_score(y_te, p)),
                "base_rate": float(y_te.mean()),
            }
        )
    return ChurnModels(
        pipelines=pipes,
        X_train=X_tr,
        X_test=X_te,
        y_train=y_tr,
        y_test=y_te,
        cv=pd.DataFrame(cv_rows),
        holdout=pd.DataFrame(hold_rows).set_index("model"),
        test_scores=pd.DataFrame(scores, index=X_te.index),
    )


def calibration_table(y_true, scores, *, n_bins: int = 10) -> pd.DataFrame:
    """Calibration curve: observed churn rate against mean predicted probability in bins.

    Parameters
    ----------
    y_true : array-like of 0/1
    scores : array-like of float in [0, 1]
    n_bins : int, default 10
        Bins of equal size (quantiles of ``scores``).

    Returns
    -------
    DataFrame
        ``mean_predicted``, ``observed_rate`` (one row per non-empty bin).

    Raises
    ------
    DataError
        If scores are not probabilities or lengths differ.

    Notes
    -----
    Wraps :func:`sklearn.calibration.calibration_curve` with
    ``strategy="quantile"``; a calibrated model has points on the diagonal.

    References
    ----------
    Niculescu-Mizil, A., & Caruana, R. (2005). Predicting good probabilities
    with supervised learning. ICML, sec. 2 (reliability diagrams).

    Examples
    --------
    >>> calibration_table([0, 0, 1, 1], [0.1, 0.2, 0.7, 0.9], n_bins=2)
       mean_predicted  observed_rate
    0            0.15            0.0
    1            0.80            1.0
    """
    from sklearn.calibration import calibration_curve

    where = "calibration_table"
    p = require_probabilities(scores, where=where)
    y = as_float_array(y_true, name="y_true", where=where)
    if len(y) != len(p):
        raise DataError(f"{where}: y_true has {len(y)} values but scores has {len(p)}")
    obs, pred = calibration_curve(y, p, n_bins=n_bins, strategy="quantile")
    return pd.DataFrame({"mean_predicted": pred, "observed_rate": obs})


def gains_table(y_true, scores, *, n_bins: int = 10) -> pd.DataFrame:
    """Cumulative gains and lift by score decile (or other equal-size groups).

    Parameters
    ----------
    y_true : array-like of 0/1
        1 = churned.
    scores : array-like of float
        Higher = more likely to churn.
    n_bins : int, default 10
        Number of groups; customers sorted by score (descending, ties in input
        order) are cut into groups whose sizes differ by at most one
        (:func:`numpy.array_split`).

    Returns
    -------
    DataFrame
        One row per group (``bin`` 1 = highest scores): ``n``, ``positives``,
        ``rate``, ``cum_n``, ``cum_share`` (share of customers contacted),
        ``cum_positives``, ``gain`` (share of all churners captured),
        ``lift`` (``rate`` / overall rate), ``cum_lift`` (``gain`` / ``cum_share``).

    Raises
    ------
    DataError
        If lengths differ, there are no positives, or ``n_bins`` is not in
        ``1..len(y_true)``.

    Notes
    -----
    Cumulative gain at group :math:`g`: :math:`G_g = \\sum_{b \\le g} y_b / \\sum y`;
    cumulative lift :math:`G_g / (n_{\\le g} / n)` (Linoff & Berry 2011, ch. 5).

    References
    ----------
    Linoff, G. S., & Berry, M. J. A. (2011). Data Mining Techniques, 3rd ed.,
    Wiley, ch. 5 ("lift charts and cumulative gains").

    Examples
    --------
    >>> gains_table([1, 0, 1, 0], [0.9, 0.8, 0.3, 0.1], n_bins=2)[["positives", "gain", "cum_lift"]]
       positives  gain  cum_lift
    0          1   0.5       1.0
    1          1   1.0       1.0
    """
    where = "gains_table"
    s = as_float_array(scores, name="scores", where=where)
    y = as_float_array(y_true, name="y_true", where=where)
    if len(y) != len(s):
        raise DataError(f"{where}: y_true has {len(y)} values but scores has {len(s)}")
    if not np.isin(y, [0, 1]).all():
        raise DataError(f"{where}: y_true should hold 0/1 (or True/False)")
    total = y.sum()
    if total == 0:
        raise DataError(f"{where}: y_true has no positives (churners); gains are undefined")
    if not 1 <= n_bins <= len(y):
        raise DataError(f"{where}: n_bins={n_bins} should be between 1 and the number of customers ({len(y)})")
    order = np.argsort(-s, kind="stable")
    groups = np.array_split(y[order], n_bins)
    out = pd.DataFrame(
        {
            "bin": np.arange(1, n_bins + 1),
            "n": [len(g) for g in groups],
            "positives": [int(g.sum()) for g in groups],
        }
    )
    out["rate"] = out["positives"] / out["n"]
    out["cum_n"] = out["n"].cumsum()
    out["cum_share"] = out["cum_n"] / len(y)
    out["cum_positives"] = out["positives"].cumsum()
    out["gain"] = out["cum_positives"] / total
    out["lift"] = out["rate"] / (total / len(y))
    out["cum_lift"] = out["gain"] / out["cum_share"]
    return out


# --------------------------------------------------------------------------- decisions


@dataclass(frozen=True)
class Targeting:
    """Result of :func:`targeting_curve`.

    Attributes
    ----------
    curve : DataFrame
        One row per number contacted ``k`` = 0..n.
    optimal_k : int
        Number of top-risk customers to contact for the highest expected profit.
    optimal_profit : float
    break_even_score : float
        Contact a customer only if their score exceeds this: ``offer_cost /
        (acceptance_rate * value_saved)``.
    """

    curve: pd.DataFrame
    optimal_k: int
    optimal_profit: float
    break_even_score: float


def targeting_curve(
    scores,
    *,
    value_saved: float,
    offer_cost: float,
    acceptance_rate: float,
) -> Targeting:
    """Expected profit of sending a retention offer to the ``k`` customers most likely to churn.

    Parameters
    ----------
    scores : array-like of float in [0, 1]
        Churn probability of each customer (calibrated, e.g. from the logit).
    value_saved : float
        Value kept when a would-be churner accepts the offer and stays (e.g.
        the margin of the months retained; currency units).
    offer_cost : float
        Cost per customer contacted (discount, call time), paid whether or not
        the customer would have churned.
    acceptance_rate : float in [0, 1]
        Share of would-be churners who accept the offer and stay.

    Returns
    -------
    Targeting
        ``curve`` has ``k`` (0..n), ``share_contacted``, ``score`` (the k-th
        highest score; NaN for k = 0), ``expected_saved`` (expected churners
        kept), ``cost``, ``profit``; plus ``optimal_k``, ``optimal_profit``
        and ``break_even_score``.

    Raises
    ------
    DataError
        If scores are not probabilities, or a parameter is negative /
        ``acceptance_rate`` is above 1.

    Notes
    -----
    With customers sorted by :math:`p_{(1)} \\ge p_{(2)} \\ge \\dots`:
    :math:`\\Pi(k) = \\sum_{i=1}^{k} (p_{(i)}\\, a\\, V - c)`, with acceptance
    :math:`a`, value :math:`V` and cost :math:`c`.  Each term is positive iff
    :math:`p_{(i)} > c / (aV)`, so the optimum contacts exactly the customers
    above that break-even score (ties: the smallest optimal ``k``).  The
    variant assumes the offer does not change the behaviour of customers who
    would have stayed (they just cost ``c``), cf. Neslin et al. (2006).

    References
    ----------
    Neslin, S. A., Gupta, S., Kamakura, W., Lu, J., & Mason, C. H. (2006).
    Defection detection: measuring and understanding the predictive accuracy
    of customer churn models. JMR 43(2), 204-211, eq. 1 (profit of a
    retention campaign).

    Examples
    --------
    >>> t = targeting_curve([0.9, 0.1, 0.5], value_saved=100, offer_cost=10, acceptance_rate=0.5)
    >>> t.curve["profit"].tolist(), t.optimal_k, t.break_even_score
    ([0.0, 35.0, 50.0, 45.0], 2, 0.2)
    """
    where = "targeting_curve"
    p = require_probabilities(scores, where=where)
    for name, v in {"value_saved": value_saved, "offer_cost": offer_cost, "acceptance_rate": acceptance_rate}.items():
        if not np.isfinite(v) or v < 0:
            raise DataError(f"{where}: {name}={v} should be a number >= 0")
    if acceptance_rate > 1:
        raise DataError(f"{where}: acceptance_rate={acceptance_rate} should be at most 1 (a share)")
    ps = np.sort(p)[::-1]
    gain = ps * acceptance_rate * value_saved - offer_cost
    k = np.arange(len(ps) + 1)
    curve = pd.DataFrame(
        {
            "k": k,
            "share_contacted": k / len(ps),
            "score": np.concatenate([[np.nan], ps]),
            "expected_saved": np.concatenate([[0.0], np.cumsum(ps * acceptance_rate)]),
            "cost": k * float(offer_cost),
            "profit": np.concatenate([[0.0], np.cumsum(gain)]),
        }
    )
    best = int(curve["profit"].to_numpy().argmax())
    denom = acceptance_rate * value_saved
    be = float(offer_cost / denom) if denom > 0 else float("inf")
    return Targeting(curve=curve, optimal_k=best, optimal_profit=float(curve["profit"].iloc[best]), break_even_score=be)


def variance_inflation(data: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """Variance inflation factor of each numeric column given the others.

    Parameters
    ----------
    data : DataFrame
        One row per customer.
    columns : sequence of str
        At least two numeric columns without missing values.

    Returns
    -------
    Series
        Indexed by column, named ``vif``: :math:`1 / (1 - R^2_j)` with
        :math:`R^2_j` from the least-squares regression (with intercept) of
        column *j* on the other columns; ``inf`` when a column is an exact
        linear combination of the others.

    Raises
    ------
    DataError
        Fewer than two columns, missing or non-numeric columns, missing
        values, or a constant column.

    Notes
    -----
    A VIF of 1 means no linear overlap; values above about 5-10 are the usual
    warning that a coefficient (and its odds ratio) measures the column's
    effect "with the others held fixed", a comparison the data barely
    contain (Fox 2016, sec. 13.1.1).  Collinearity with a *product* of
    columns (such as tenure x monthly charge) is not linear and shows only
    partly here.

    References
    ----------
    Fox, J. (2016). Applied Regression Analysis and Generalized Linear Models,
    3rd ed., Sage, sec. 13.1.

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1.0, 2, 3, 4, 5], "b": [2.0, 1, 4, 3, 6], "c": [3.0, 3, 7, 7, 11]})
    >>> variance_inflation(df, ["a", "b"]).round(2).tolist()
    [3.08, 3.08]
    >>> float(variance_inflation(df, ["a", "b", "c"])["c"])  # c = a + b exactly
    inf
    """
    where = "variance_inflation"
    require_dataframe(data, where=where)
    columns = list(columns)
    if len(columns) < 2:
        raise DataError(f"{where}: need at least two columns, got {columns}")
    require_columns(data, columns, where=where)
    for col in columns:
        require_numeric(data, col, where=where)
        require_no_missing(data, col, where=where)
    Z = data[columns].to_numpy(dtype=np.float64)
    constant = [c for c, sd in zip(columns, Z.std(axis=0)) if sd == 0]
    if constant:
        raise DataError(f"{where}: column(s) {constant} are constant; a VIF needs variation")
    out = {}
    for j, col in enumerate(columns):
        A = np.column_stack([np.ones(len(Z)), np.delete(Z, j, axis=1)])
        beta, *_ = np.linalg.lstsq(A, Z[:, j], rcond=None)
        resid = Z[:, j] - A @ beta
        total = Z[:, j] - Z[:, j].mean()
        r2 = 1.0 - float(resid @ resid) / float(total @ total)
        out[col] = np.inf if r2 >= 1.0 - 1e-12 else 1.0 / (1.0 - r2)
    return pd.Series(out, name="vif")
