"""Data quality: normalising phones, names and addresses, masking, and a quality profile per column."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from crm_lessons._validation import (
    DataError,
    require_dataframe,
    to_timestamp,
)


# --------------------------------------------------------------------------- #
# Data quality
# --------------------------------------------------------------------------- #
def _text(values: pd.Series) -> pd.Series:
    """NFKC-normalised text (full-width digits and letters become ASCII); missing stays missing."""
    return values.map(lambda v: v if pd.isna(v) else unicodedata.normalize("NFKC", str(v)))


def normalise_phone(values: pd.Series) -> pd.Series:
    """Mainland mobile numbers in one form: 11 digits, no country code, no separators.

    ``'+86 138-0013-8000'``, ``'0086 13800138000'`` and ``'13800138000'`` all
    become ``'13800138000'``; anything that is not 11 digits after removing
    separators and the country code becomes missing.

    Examples
    --------
    >>> import pandas as pd
    >>> normalise_phone(pd.Series(["+86 138-0013-8000", "１３８００１３８０００", "12345", None])).tolist()
    ['13800138000', '13800138000', nan, nan]
    """
    digits = _text(values).map(lambda v: v if pd.isna(v) else re.sub(r"\D", "", v))
    digits = digits.map(lambda v: v if pd.isna(v) else re.sub(r"^(0086|86)(?=1\d{10}$)", "", v))
    return digits.where(digits.str.fullmatch(r"1\d{10}").fillna(False).astype(bool), np.nan)


def normalise_name(values: pd.Series) -> pd.Series:
    """Names without spaces or punctuation, NFKC-normalised (``'王 伟'`` -> ``'王伟'``)."""
    return _text(values).map(lambda v: v if pd.isna(v) else re.sub(r"[\s·.,，、]", "", v))


def normalise_address(values: pd.Series) -> pd.Series:
    """Addresses in one form: NFKC (ASCII digits), no spaces, ``#`` -> 号, 幢 -> 栋."""

    def one(v: Any) -> Any:
        if pd.isna(v):
            return v
        return re.sub(r"\s", "", str(v)).replace("#", "号").replace("幢", "栋")

    return _text(values).map(one)


def mask_phone(values: pd.Series) -> pd.Series:
    """Show only the first 3 and last 4 digits (``'138****8000'``), for screens and printouts."""
    p = normalise_phone(values)
    return p.map(lambda v: v if pd.isna(v) else f"{v[:3]}****{v[-4:]}")


def quality_profile(
    data: pd.DataFrame,
    *,
    validators: Mapping[str, str | Callable[[pd.Series], pd.Series]] | None = None,
    normalisers: Mapping[str, Callable[[pd.Series], pd.Series]] | None = None,
    as_of: Any = None,
    max_age_days: int | None = None,
) -> pd.DataFrame:
    """Data-quality profile: one row per column, five dimensions as shares between 0 and 1.

    Parameters
    ----------
    data : DataFrame
    validators : mapping, optional
        Column -> regular expression (the whole value must match) or a
        function returning a boolean Series.  Applied to the normalised value
        when the column has a normaliser.
    normalisers : mapping, optional
        Column -> function that puts values into their standard form
        (missing when impossible), e.g. :func:`normalise_phone`.
    as_of, max_age_days : optional
        Give both to measure timeliness of the date columns (see Notes).

    Returns
    -------
    DataFrame
        Indexed by column: ``completeness`` (non-missing share), ``validity``
        (share of non-missing values that pass the validator; NaN without
        one), ``uniqueness`` (distinct / non-missing, after normalising;
        1 = no value repeats),
        ``consistency`` (share of non-missing values already stored in the
        standard form; NaN without a normaliser), ``timeliness`` (date
        columns: share of non-missing dates at most ``max_age_days`` before
        ``as_of``; NaN otherwise).

    Notes
    -----
    The five dimensions are the measurable core of the practitioners' set
    (DAMA UK 2013 names six: completeness, uniqueness, timeliness, validity,
    accuracy and consistency; accuracy needs a trusted reference and is left
    out here).  They are not Wang & Strong's (1996) framework, which found 15
    dimensions in four categories (intrinsic, contextual, representational
    and accessibility quality).  A date column is a datetime64 column; a text
    column of ISO dates (``YYYY-MM-DD``) counts too.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"phone": ["13800138000", "138-0013-8000", "12345", None]})
    >>> quality_profile(df, validators={"phone": r"1\\d{10}"},
    ...                 normalisers={"phone": normalise_phone}).loc["phone"].round(3).to_dict()
    {'completeness': 0.75, 'validity': 0.667, 'uniqueness': 0.667, 'consistency': 0.333, 'timeliness': nan}
    """
    where = "quality_profile"
    df = require_dataframe(data, where=where)
    validators = dict(validators or {})
    normalisers = dict(normalisers or {})
    for name, mapping in (("validators", validators), ("normalisers", normalisers)):
        unknown = [c for c in mapping if c not in df.columns]
        if unknown:
            raise DataError(
                f"{where}: {name} name columns that do not exist: {unknown}; columns are {[str(c) for c in df.columns]}"
            )
    as_of_ts = to_timestamp(as_of, name="as_of", where=where) if as_of is not None else None
    if (as_of_ts is None) != (max_age_days is None):
        raise DataError(f"{where}: pass both as_of and max_age_days (for timeliness) or neither")
    rows = {}
    for col in df.columns:
        raw = df[col]
        present = raw.notna()
        n_present = int(present.sum())
        norm = normalisers[col](raw) if col in normalisers else raw
        values = norm[present]
        row = {
            "completeness": n_present / len(df),
            "validity": np.nan,
            "uniqueness": np.nan,
            "consistency": np.nan,
            "timeliness": np.nan,
        }
        if n_present:
            # a value that cannot be normalised still counts as itself
            row["uniqueness"] = values.fillna(raw[present]).nunique() / n_present
            if col in validators:
                rule = validators[col]
                if isinstance(rule, str):
                    ok = values.astype("string").str.fullmatch(rule).fillna(False).astype(bool)
                else:
                    ok = pd.Series(rule(values), index=values.index).fillna(False).astype(bool)
                row["validity"] = float(ok.mean())
            if col in normalisers:
                same = raw[present].astype(str).to_numpy() == values.astype(str).to_numpy()
                row["consistency"] = float(same.mean())
            if as_of_ts is not None:
                dates = None
                if pd.api.types.is_datetime64_any_dtype(raw):
                    dates = raw[present]
                elif raw[present].astype(str).str.fullmatch(r"\d{4}-\d{2}-\d{2}").all():
                    dates = pd.to_datetime(raw[present], format="%Y-%m-%d", errors="coerce")
                if dates is not None:
                    age = (as_of_ts - dates).dt.days
                    row["timeliness"] = float((age <= max_age_days).mean())
        rows[col] = row
    return pd.DataFrame.from_dict(rows, orient="index")
