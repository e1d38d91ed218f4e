"""Shared plumbing of the fitters: input checks, the maximiser with its standard errors, the fitter base classes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize
from threadpoolctl import ThreadpoolController

from crm_lessons._validation import (
    DataError,
    check_is_fitted,
    first_rows,
    require_columns,
    require_dataframe,
    require_no_missing,
    require_non_negative,
    require_numeric,
)


class ConvergenceError(RuntimeError):
    """Raised when maximum likelihood estimation did not converge."""


# ---------------------------------------------------------------------------
# Input checks for the models
# ---------------------------------------------------------------------------


def _rft_arrays(
    data: pd.DataFrame, *, where: str, columns: tuple[str, ...] = ("frequency", "recency", "T")
) -> tuple[np.ndarray, ...]:
    """Validate a customer summary and return float arrays of ``columns``."""
    data = require_dataframe(data, where=where)
    require_columns(data, columns, where=where)
    for col in columns:
        require_numeric(data, col, where=where)
        require_no_missing(data, col, where=where)
        require_non_negative(data, col, where=where)
    x = data["frequency"].to_numpy(dtype=np.float64)
    frac = x != np.floor(x)
    if frac.any():
        raise DataError(
            f"{where}: column 'frequency' should hold whole numbers (repeat transactions) but is "
            f"fractional in {first_rows(frac, data.index)}"
        )
    if "recency" in columns and "T" in columns:
        tx = data["recency"].to_numpy(dtype=np.float64)
        T = data["T"].to_numpy(dtype=np.float64)
        bad = tx > T
        if bad.any():
            raise DataError(
                f"{where}: recency larger than T in {first_rows(bad, data.index)}; recency is the time "
                "from first to last purchase and cannot exceed the time since the first purchase"
            )
        bad = (x == 0) & (tx != 0)
        if bad.any():
            raise DataError(
                f"{where}: recency should be 0 when frequency is 0 but is not in {first_rows(bad, data.index)}"
            )
        bad = (x > 0) & (tx == 0)
        if bad.any():
            raise DataError(
                f"{where}: recency is 0 although frequency > 0 in {first_rows(bad, data.index)}; "
                "repeat purchases must come after the first purchase"
            )
    return tuple(data[c].to_numpy(dtype=np.float64) for c in columns)


def _require_repeaters(x: np.ndarray, where: str) -> None:
    if not (x > 0).any():
        raise DataError(
            f"{where}: no customer has a repeat purchase (frequency is 0 everywhere); the model cannot be "
            "estimated - use a longer calibration period or check the customer and date columns"
        )


def _compress(*arrays: np.ndarray) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """Unique rows of the column arrays and their counts (weights)."""
    rows, inverse = _distinct_rows(*arrays)
    return rows, np.bincount(inverse, minlength=len(rows[0])).astype(np.float64)


def _distinct_rows(*arrays: np.ndarray) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """Distinct rows of the column arrays and, per original row, the position of its distinct row."""
    if len(arrays[0]) == 0:
        return arrays, np.zeros(0, dtype=np.intp)
    order = np.lexsort(arrays[::-1])
    cols = [a[order] for a in arrays]
    new = np.zeros(len(order), dtype=bool)
    new[0] = True
    for c in cols:
        new[1:] |= c[1:] != c[:-1]
    inverse = np.empty(len(order), dtype=np.intp)
    inverse[order] = np.cumsum(new) - 1
    return tuple(c[new] for c in cols), inverse


_BLAS: dict[str, Any] = {}


def _single_thread_blas() -> Any:
    """Context manager limiting BLAS to one thread (the controller is created once, lazily).

    L-BFGS-B calls BLAS on vectors of 2-4 numbers; extra threads only add
    overhead, and on a busy machine they can make a fit ten times slower.
    """
    if "controller" not in _BLAS:
        _BLAS["controller"] = ThreadpoolController()
    return _BLAS["controller"].limit(limits=1, user_api="blas")


def _positive_params(params: Any, names: tuple[str, ...], where: str) -> tuple[float, ...]:
    """Read model parameters from a mapping/Series/sequence and check they are positive."""
    if isinstance(params, (dict, pd.Series)):
        missing = [n for n in names if n not in params]
        if missing:
            raise DataError(f"{where}: parameters {missing} are missing; expected {list(names)}")
        values = tuple(float(params[n]) for n in names)
    else:
        values = tuple(float(v) for v in params)
        if len(values) != len(names):
            raise DataError(f"{where}: expected {len(names)} parameters {list(names)}, got {len(values)}")
    for n, v in zip(names, values):
        if not (np.isfinite(v) and v > 0):
            raise DataError(f"{where}: parameter {n}={v} should be a positive number")
    return values


# ---------------------------------------------------------------------------
# Fitting machinery
# ---------------------------------------------------------------------------


def _numerical_hessian(
    f: Callable[[np.ndarray], float], x0: np.ndarray, grad: Callable[[np.ndarray], np.ndarray] | None
) -> np.ndarray:
    """Central-difference Hessian (from the gradient when available)."""
    k = len(x0)
    h = 1e-4 * np.maximum(1.0, np.abs(x0))
    H = np.empty((k, k))
    if grad is not None:
        for i in range(k):
            e = np.zeros(k)
            e[i] = h[i]
            H[i] = (grad(x0 + e) - grad(x0 - e)) / (2 * h[i])
        return (H + H.T) / 2
    f0 = f(x0)
    for i in range(k):
        ei = np.zeros(k)
        ei[i] = h[i]
        H[i, i] = (f(x0 + ei) - 2 * f0 + f(x0 - ei)) / h[i] ** 2
        for j in range(i):
            ej = np.zeros(k)
            ej[j] = h[j]
            H[i, j] = H[j, i] = (f(x0 + ei + ej) - f(x0 + ei - ej) - f(x0 - ei + ej) + f(x0 - ei - ej)) / (
                4 * h[i] * h[j]
            )
    return H


@dataclass
class _Optimum:
    params: np.ndarray
    log_likelihood: float
    standard_errors: np.ndarray
    convergence: dict[str, Any]


def _maximise(
    negll: Callable[[np.ndarray], float],
    start: np.ndarray,
    names: tuple[str, ...],
    where: str,
    neg_grad: Callable[[np.ndarray], np.ndarray] | None = None,
    scale: float = 1.0,
    hint: str = "e.g. too few repeat purchases or too short a calibration period",
) -> _Optimum:
    """Maximise a log-likelihood over log-parameters; report convergence and standard errors.

    The optimiser sees the negative log-likelihood divided by ``scale`` (the
    number of observations) so that gradients are of order one and the first
    quasi-Newton step stays reasonable.
    """
    fun: Callable[..., Any]
    if neg_grad is not None:

        def fun(z: np.ndarray) -> tuple[float, np.ndarray]:
            return negll(z) / scale, neg_grad(z) / scale

        jac: bool | None = True
    else:

        def fun(z: np.ndarray) -> float:
            return negll(z) / scale

        jac = None
    bounds = [(-12.0, 12.0)] * len(start)

    def _scaled_gradient(z: np.ndarray) -> float:
        if neg_grad is not None:
            g = neg_grad(z) / scale
        else:
            h = 1e-6
            g = np.array([(negll(z + h * e) - negll(z - h * e)) / (2 * h * scale) for e in np.eye(len(z))])
        return float(np.max(np.abs(g)))

    # BLAS threads only add overhead on 4-parameter problems (and stall on busy machines)
    with _single_thread_blas(), np.errstate(all="ignore"):
        res = optimize.minimize(
            fun,
            start,
            jac=jac,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": 1000, "ftol": 1e-12, "gtol": 1e-6},
        )
        method = "L-BFGS-B"
        if not res.success and np.isfinite(res.fun) and _scaled_gradient(res.x) < 1e-5:
            # the line search stalls at the optimum when f cannot decrease in floating point
            res.success = True
            res.message = f"line search stopped ({res.message}) where max |gradient| < 1e-5 per observation: converged"
        if not res.success or not np.isfinite(res.fun):
            res2 = optimize.minimize(
                lambda z: negll(z) / scale,
                res.x if np.isfinite(res.fun) else start,
                method="Nelder-Mead",
                options={"maxiter": 4000, "xatol": 1e-9, "fatol": 1e-10},
            )
            if np.isfinite(res2.fun) and (not np.isfinite(res.fun) or res2.fun <= res.fun):
                res, method = res2, "Nelder-Mead"
        z = res.x
        H = _numerical_hessian(negll, z, neg_grad)
    grad_norm = _scaled_gradient(z) * scale  # of the total log-likelihood, numerical when no analytic gradient
    at_bound = bool(np.any(np.abs(z) >= 11.99))
    convergence = {
        "success": bool(res.success) and np.isfinite(res.fun) and not at_bound,
        "message": str(res.message),
        "method": method,
        "n_iterations": int(getattr(res, "nit", -1)),
        "n_function_evaluations": int(getattr(res, "nfev", -1)),
        "max_abs_gradient_log_params": grad_norm,
        "negative_log_likelihood": float(res.fun * scale),
        "at_bound": at_bound,
    }
    if not np.isfinite(res.fun):
        raise ConvergenceError(
            f"{where}: the log-likelihood could not be evaluated (non-finite) from the starting values; "
            "check the data (e.g. extreme frequencies) or pass other starting values via initial_params"
        )
    if at_bound:
        raise ConvergenceError(
            f"{where}: the estimate ran to the edge of the parameter space "
            f"({ {n: float(v) for n, v in zip(names, np.exp(z).round(6))} }); the data do not identify "
            f"the model - {hint}"
        )
    params = np.exp(z)
    # covariance of the natural parameters: J H_log^{-1} J with J = diag(params)
    try:
        cov_log = np.linalg.inv(H)
        se = params * np.sqrt(np.where(np.diag(cov_log) > 0, np.diag(cov_log), np.nan))
    except np.linalg.LinAlgError:
        se = np.full(len(params), np.nan)
    if not convergence["success"]:
        raise ConvergenceError(
            f"{where}: maximum likelihood did not converge ({res.message}); last parameters "
            f"{ {n: float(v) for n, v in zip(names, params.round(6))} }; try other initial_params"
        )
    return _Optimum(params, float(-res.fun * scale), se, convergence)


class _Fitter:
    """Shared scikit-learn-style plumbing: params_, summary(), not-fitted check."""

    _names: tuple[str, ...] = ()

    def __init__(self, *, initial_params: Any = None) -> None:
        self.initial_params = initial_params  # settings only; fit() learns params_

    def _check_fitted(self) -> None:
        check_is_fitted(self, "params_")

    def _store(self, opt: _Optimum, n: int) -> None:
        self.params_ = pd.Series(opt.params, index=list(self._names), name="estimate")
        self.standard_errors_ = pd.Series(opt.standard_errors, index=list(self._names), name="standard_error")
        self.log_likelihood_ = opt.log_likelihood
        self.convergence_ = opt.convergence
        self.n_observations_ = n

    def _start(self, default: tuple[float, ...]) -> np.ndarray:
        init = getattr(self, "initial_params", None)
        values = default if init is None else _positive_params(init, self._names, type(self).__name__)
        return np.log(np.asarray(values, dtype=np.float64))

    def summary(self) -> pd.DataFrame:
        """Estimates with standard errors and 95% Wald intervals.

        Returns
        -------
        DataFrame
            Indexed by parameter: ``estimate``, ``standard_error``,
            ``lower_95``, ``upper_95``.
        """
        self._check_fitted()
        out = pd.concat([self.params_, self.standard_errors_], axis=1)
        out["lower_95"] = out["estimate"] - 1.959964 * out["standard_error"]
        out["upper_95"] = out["estimate"] + 1.959964 * out["standard_error"]
        out.index.name = "parameter"
        return out

    def __repr__(self) -> str:
        if hasattr(self, "params_"):
            inner = ", ".join(f"{k}={v:.3f}" for k, v in self.params_.items())
            return f"{type(self).__name__}({inner})"
        return f"{type(self).__name__}()"


class _CountFitter(_Fitter):
    """Predictions shared by the purchase-count models (BG/NBD, Pareto/NBD).

    Subclasses name their model's functions; the mathematics stays in those
    module-level functions.
    """

    _expected: Callable[..., np.ndarray]
    _conditional: Callable[..., np.ndarray]
    _alive: Callable[..., np.ndarray]

    def _default_start(self, mean_rate: float, T: np.ndarray) -> tuple[float, ...]:
        """Starting values when ``initial_params`` is None (``mean_rate``: repeat purchases per period)."""
        raise NotImplementedError

    def _objective(
        self, x: np.ndarray, tx: np.ndarray, T: np.ndarray, w: np.ndarray
    ) -> tuple[Callable[[np.ndarray], float], Callable[[np.ndarray], np.ndarray] | None]:
        """The negative log-likelihood over log-parameters of the distinct rows weighted by ``w``, and its
        gradient (None: numerical)."""
        raise NotImplementedError

    def _fit(self, data: pd.DataFrame) -> None:
        """The fit both count models share: validate, compress identical histories, maximise, store."""
        where = f"{type(self).__name__}.fit"
        x, tx, T = _rft_arrays(data, where=where)
        _require_repeaters(x, where)
        (x, tx, T), w = _compress(x, tx, T)
        mean_rate = max(float(np.sum(w * x) / np.sum(w * T)) if np.sum(w * T) > 0 else 1.0, 1e-3)
        start = self._start(self._default_start(mean_rate, T))
        negll, neg_grad = self._objective(x, tx, T, w)
        self._store(_maximise(negll, start, self._names, where, neg_grad, scale=float(w.sum())), len(data))

    def expected_transactions(self, t: Any) -> np.ndarray:
        """Unconditional E[X(t)] for a randomly chosen customer (the model's ``*_expected_transactions``)."""
        self._check_fitted()
        return self._expected(self.params_, t)

    def predict(self, t: Any, data: pd.DataFrame) -> pd.Series:
        """Expected repeat transactions in the next ``t`` periods per customer.

        Parameters
        ----------
        t : float
            Length of the future window, in the unit of ``recency`` and ``T``.
        data : DataFrame
            Columns ``frequency``, ``recency``, ``T``.

        Returns
        -------
        Series
            ``expected_transactions``, indexed like ``data``.
        """
        self._check_fitted()
        x, tx, T = _rft_arrays(data, where=f"{type(self).__name__}.predict")
        values = self._conditional(self.params_, t, x, tx, T)
        return pd.Series(values, index=data.index, name="expected_transactions")

    def p_alive(self, data: pd.DataFrame) -> pd.Series:
        """P(alive) per customer (the model's ``*_p_alive``).

        Returns
        -------
        Series
            ``p_alive``, indexed like ``data``.
        """
        self._check_fitted()
        x, tx, T = _rft_arrays(data, where=f"{type(self).__name__}.p_alive")
        return pd.Series(self._alive(self.params_, x, tx, T), index=data.index, name="p_alive")
