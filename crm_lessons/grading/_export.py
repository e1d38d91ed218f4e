"""Plain data across the sandbox wall: what a student's kernel hands to the grader, and back.

A value becomes JSON made of numbers, strings, lists and tagged objects
(``{"$": "ndarray", ...}``): containers, NumPy arrays (``.npy`` bytes, never
pickles), pandas tables, series and indexes, timestamps.  Decoding builds
plain values only; it never runs code the kernel sent.  What cannot be sent
as data (a function the student wrote, an object of their own class) goes
as a reference: the grader calls it, or asks for its ``str``/``float``/...,
and the kernel answers again in plain data.

The kernel side is :func:`serve` (the grader evaluates
``crm_lessons.grading._export.serve(request)`` in the kernel as a user
expression); the grader side is :mod:`crm_lessons.grading._remote`.  Code in
the kernel may replace :func:`serve`: then it only changes what the kernel
says about its own answers, which it could write down anyway.
"""

from __future__ import annotations

import base64
import io
import json
import math
import operator
from collections.abc import Callable
from typing import Any

__all__ = ["LIMIT", "decode", "encode", "serve"]

#: Largest message either side accepts (characters of JSON).
LIMIT = 64 * 2**20
#: Answers whose JSON is longer are handed over as a file in a folder both sides see (large shell replies stall).
SMALL = 256 * 2**10
_DEPTH = 40


class _Unsendable(Exception):
    """A value that is not plain data."""


def _npy(array: Any) -> str:
    import numpy as np

    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _array(values: Any, depth: int) -> Any:
    """A column's values: NumPy (non-object) as .npy; categorical, tz-aware and other pandas arrays tagged."""
    import numpy as np

    try:
        import pandas as pd
    except ImportError:  # pragma: no cover
        pd = None
    if pd is not None:
        if isinstance(values, pd.Categorical) or isinstance(getattr(values, "dtype", None), pd.CategoricalDtype):
            cat = pd.Categorical(values)
            return {
                "$": "categorical",
                "codes": _npy(np.asarray(cat.codes)),
                "categories": encode(pd.Index(cat.categories), depth + 1),
                "ordered": bool(cat.ordered),
            }
        dtype = getattr(values, "dtype", None)
        if isinstance(dtype, pd.DatetimeTZDtype):
            utc = pd.DatetimeIndex(values).tz_convert("UTC").tz_localize(None).to_numpy()
            return {"$": "dt_tz", "npy": _npy(utc), "tz": str(dtype.tz)}
        if dtype is not None and not isinstance(dtype, np.dtype):  # Int64, boolean, string, ...
            return {
                "$": "extension",
                "dtype": str(dtype),
                "v": [None if pd.isna(x) else encode(x, depth + 1) for x in list(values)],
            }
    arr = np.asarray(values)
    if arr.dtype.kind == "O":
        return {"$": "objects", "shape": list(arr.shape), "v": [encode(x, depth + 1) for x in arr.ravel().tolist()]}
    return {"$": "ndarray", "npy": _npy(arr)}


def _index(index: Any, depth: int) -> dict:
    import pandas as pd

    if isinstance(index, pd.MultiIndex):
        return {
            "$": "multiindex",
            "levels": [_array(index.get_level_values(i).array, depth) for i in range(index.nlevels)],
            "names": [encode(n, depth + 1) for n in index.names],
        }
    if isinstance(index, pd.RangeIndex):
        return {
            "$": "range",
            "v": [int(index.start), int(index.stop), int(index.step)],
            "name": encode(index.name, depth + 1),
        }
    return {"$": "index", "v": _array(index.array, depth), "name": encode(index.name, depth + 1)}


def encode(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON-ready plain data; raises for what is not data (see :func:`describe`)."""
    if depth > _DEPTH:
        raise _Unsendable("nested too deeply")
    if value is None or type(value) is bool:
        return value
    if value is ...:
        return {"$": "ellipsis"}
    if isinstance(value, bool):  # pragma: no cover (bool cannot be subclassed)
        return bool(value)
    if isinstance(value, int) and not _is_numpy(value):
        return int.__int__(value)
    if isinstance(value, float) and not _is_numpy(value):
        x = float.__float__(value)
        return x if math.isfinite(x) else {"$": "float", "v": repr(x)}
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, bytes):
        return {"$": "bytes", "v": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, complex):
        # the stored parts, read past any property a subclass defines (complex.__complex__ is Python 3.11+)
        return {"$": "complex", "v": [complex.real.__get__(value), complex.imag.__get__(value)]}
    kind = {list: "list", tuple: "tuple", set: "set", frozenset: "frozenset"}
    for cls, name in kind.items():
        if isinstance(value, cls):
            return {"$": name, "v": [encode(x, depth + 1) for x in cls.__iter__(value)]}
    if isinstance(value, dict):
        return {"$": "dict", "v": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in dict.items(value)]}
    module = type(value).__module__ or ""
    if module.startswith("numpy"):
        import numpy as np

        if isinstance(value, np.ndarray):
            return _array(value, depth)
        if isinstance(value, np.generic):
            arr = np.asarray(value)
            if arr.dtype.kind == "O":
                raise _Unsendable("object scalar")
            return {"$": "npscalar", "npy": _npy(arr)}
    if module.startswith("pandas"):
        import pandas as pd

        if isinstance(value, pd.DataFrame):
            return {
                "$": "frame",
                "columns": _index(value.columns, depth),
                "index": _index(value.index, depth),
                "data": [_array(value.iloc[:, i].array, depth) for i in range(value.shape[1])],
            }
        if isinstance(value, pd.Series):
            return {
                "$": "series",
                "v": _array(value.array, depth),
                "index": _index(value.index, depth),
                "name": encode(value.name, depth + 1),
            }
        if isinstance(value, pd.Index):
            return _index(value, depth)
        if value is pd.NaT:
            return {"$": "nat"}
        if value is pd.NA:
            return {"$": "na"}
        if isinstance(value, pd.Timestamp):
            return {"$": "timestamp", "v": int(value.value), "tz": str(value.tz) if value.tz else None}
        if isinstance(value, pd.Timedelta):
            return {"$": "timedelta", "v": int(value.value)}
        if isinstance(value, (pd.Categorical, pd.api.extensions.ExtensionArray)):
            return _array(value, depth)
    import datetime as _dt

    if type(value) in (_dt.datetime, _dt.date, _dt.time, _dt.timedelta):
        if isinstance(value, _dt.timedelta):
            return {"$": "pytimedelta", "v": [value.days, value.seconds, value.microseconds]}
        return {"$": type(value).__name__, "v": value.isoformat()}
    raise _Unsendable(type(value).__name__)


def _is_numpy(value: Any) -> bool:
    return (type(value).__module__ or "").startswith("numpy")


def describe(value: Any, depth: int = 0) -> Any:
    """Like :func:`encode`, but what is not data becomes a reference the grader can query."""
    try:
        return encode(value, depth)
    except _Unsendable:
        pass
    cls = type(value)
    if cls.__module__ == "crm_lessons.exercises" and cls.__name__ == "Checker":
        return {"$": "checker", "chapter": str(getattr(value, "chapter", ""))}
    import types

    if isinstance(value, types.ModuleType):
        return {"$": "module", "name": str(getattr(value, "__name__", ""))}
    if callable(value):
        return {"$": "callable", "type": cls.__name__}
    return {"$": "ref", "type": cls.__name__}


def _b64npy(text: str) -> Any:
    import numpy as np

    return np.load(io.BytesIO(base64.b64decode(text)), allow_pickle=False)


def _decode_array(data: Any, reference: Callable | None, path: list) -> Any:
    import numpy as np

    tag = data.get("$")
    if tag == "ndarray":
        return _b64npy(data["npy"])
    if tag == "objects":
        items = [decode(x, reference, path + [["item", i]]) for i, x in enumerate(data["v"])]
        out = np.empty(len(items), dtype=object)
        out[:] = items
        return out.reshape(tuple(int(n) for n in data["shape"]))
    import pandas as pd

    if tag == "categorical":
        categories = decode(data["categories"], reference, path)
        return pd.Categorical.from_codes(_b64npy(data["codes"]), categories=categories, ordered=bool(data["ordered"]))
    if tag == "dt_tz":
        return pd.DatetimeIndex(_b64npy(data["npy"])).tz_localize("UTC").tz_convert(str(data["tz"])).array
    if tag == "extension":
        return pd.array([decode(x, reference, path) for x in data["v"]], dtype=str(data["dtype"]))
    raise ValueError(f"not an array: {tag!r}")


def _decode_index(data: dict, reference: Callable | None, path: list) -> Any:
    import pandas as pd

    tag = data["$"]
    if tag == "multiindex":
        return pd.MultiIndex.from_arrays(
            [_decode_array(level, reference, path) for level in data["levels"]],
            names=[decode(n, reference, path) for n in data["names"]],
        )
    if tag == "range":
        start, stop, step = (int(x) for x in data["v"])
        return pd.RangeIndex(start, stop, step, name=decode(data["name"], reference, path))
    if tag == "index":
        return pd.Index(_decode_array(data["v"], reference, path), name=decode(data["name"], reference, path))
    raise ValueError(f"not an index: {tag!r}")


_SCALARS = {
    "ellipsis": lambda d: ...,
    "float": lambda d: float(d["v"]) if d["v"] in ("nan", "inf", "-inf") else _bad(d),
    "bytes": lambda d: base64.b64decode(d["v"]),
    "complex": lambda d: complex(float(d["v"][0]), float(d["v"][1])),
}


def _bad(data: Any) -> Any:
    raise ValueError(f"not plain data: {str(data)[:80]}")


def decode(data: Any, reference: Callable | None = None, path: list | None = None) -> Any:
    """The value :func:`encode`/:func:`describe` sent; ``reference(kind, path, data)`` builds what is not data."""
    path = path or []
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):  # not produced by encode; accepted as a list
        return [decode(x, reference, path + [["item", i]]) for i, x in enumerate(data)]
    if not isinstance(data, dict):
        return _bad(data)
    tag = data.get("$")
    if tag in _SCALARS:
        return _SCALARS[tag](data)
    if tag in ("list", "tuple", "set", "frozenset"):
        items = [decode(x, reference, path + [["item", i]]) for i, x in enumerate(data["v"])]
        return {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}[tag](items)
    if tag == "dict":
        return {decode(k, reference, path): decode(v, reference, path + [["item", k]]) for k, v in data["v"]}
    if tag in ("ndarray", "objects", "categorical", "dt_tz", "extension"):
        return _decode_array(data, reference, path)
    if tag == "npscalar":
        return _b64npy(data["npy"])[()]
    if tag in ("index", "multiindex", "range"):
        return _decode_index(data, reference, path)
    if tag in ("frame", "series", "nat", "na", "timestamp", "timedelta"):
        import pandas as pd

        if tag == "frame":
            columns = _decode_index(data["columns"], reference, path)
            index = _decode_index(data["index"], reference, path)
            cols = [_decode_array(c, reference, path) for c in data["data"]]
            frame = pd.DataFrame({i: c for i, c in enumerate(cols)}, index=index) if cols else pd.DataFrame(index=index)
            frame.columns = columns
            return frame
        if tag == "series":
            return pd.Series(
                _decode_array(data["v"], reference, path),
                index=_decode_index(data["index"], reference, path),
                name=decode(data["name"], reference, path),
            )
        if tag == "timestamp":
            ts = pd.Timestamp(int(data["v"]))
            return ts.tz_localize("UTC").tz_convert(data["tz"]) if data.get("tz") else ts
        if tag == "timedelta":
            return pd.Timedelta(int(data["v"]))
        return pd.NaT if tag == "nat" else pd.NA
    if tag in ("datetime", "date", "time"):
        import datetime as _dt

        return getattr(_dt, tag).fromisoformat(str(data["v"]))
    if tag == "pytimedelta":
        import datetime as _dt

        days, seconds, micro = (int(x) for x in data["v"])
        return _dt.timedelta(days=days, seconds=seconds, microseconds=micro)
    if tag in ("checker", "module", "callable", "ref", "path") and reference is not None:
        return reference(tag, path, data)
    return _bad(data)


# -- the kernel's side ---------------------------------------------------------


def _walk(namespace: dict, path: list, lookup: Callable[..., Any]) -> Any:
    step = path[0]
    if step[0] != "name":
        raise ValueError("a path starts with a name")
    if step[1] not in namespace:
        raise NameError(f"name {step[1]!r} is not defined")
    value = namespace[step[1]]
    for step in path[1:]:
        op = step[0]
        if op == "attr":
            if str(step[1]).startswith("_"):
                raise AttributeError(step[1])
            value = getattr(value, str(step[1]))
        elif op == "item":
            value = value[decode(step[1], lookup)]
        elif op == "call":
            args = decode(step[1], lookup)
            kwargs = decode(step[2], lookup)
            value = value(*args, **kwargs)
        elif op in _UNARY:
            value = _UNARY[op](value)
        else:
            raise ValueError(f"unknown step {op!r}")
    return value


_UNARY: dict[str, Callable[[Any], Any]] = {
    "len": len,
    "list": list,
    "str": str,
    "float": float,
    "int": int,
    "index": operator.index,
    "bool": bool,
}


def serve(request: str) -> str:
    """Answer one request of the grader, ``{"path": [...]}``, with plain data (JSON text).

    Runs in the student's kernel; the answer is ``{"ok": data}`` or
    ``{"error": [name, message]}`` for an exception the path raised.
    """
    import sys

    namespace = sys.modules["__main__"].__dict__
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            namespace = shell.user_ns
    except ImportError:  # pragma: no cover
        pass

    def lookup(tag: str, path: list, data: dict) -> Any:
        if tag != "path":
            raise ValueError("only values and paths come from the grader")
        return _walk(namespace, data["v"], lookup)

    try:
        value = _walk(namespace, json.loads(request)["path"], lookup)
        text = json.dumps({"ok": describe(value)}, allow_nan=False)
    except BaseException as exc:  # the student's code raised (or is not data); the grader decides
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        text = json.dumps({"error": [type(exc).__name__, str(exc)[:500]]})
    if len(text) > LIMIT:
        text = json.dumps({"error": ["ValueError", f"answer larger than {LIMIT // 2**20} MB"]})
    out = json.loads(request).get("out")
    if out and len(text) > SMALL:  # a big answer goes through the folder both sides see, not the message
        import os
        import secrets

        name = secrets.token_hex(8) + ".json"
        with open(os.path.join(out, name), "w", encoding="utf-8") as f:
            f.write(text)
        text = json.dumps({"file": name})
    return text
