"""Which files a source names (a file, a folder, a glob) and whether several files can be read as one."""

from __future__ import annotations

import glob as _glob
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from crm_lessons._validation import DataError, quote

PARQUET = (".parquet", ".pq", ".parq")
TEXT = (".csv", ".txt", ".tsv")
EXCEL = (".xlsx", ".xlsm", ".xls")


def is_many(source: Any) -> bool:
    """Whether ``source`` is a folder or a glob pattern (several files), not one file.

    Examples
    --------
    >>> is_many("sales/*.csv"), is_many("no-such-file.csv")
    (True, False)
    """
    if not isinstance(source, (str, Path)):
        return False
    path = Path(source)
    return path.is_dir() or (not path.exists() and any(ch in str(source) for ch in "*?["))


def file_kind(path: Path) -> str:
    """'parquet', 'excel' or 'csv' (any other text) from the suffix, else from the first bytes."""
    suffix = path.suffix.lower()
    if suffix in PARQUET:
        return "parquet"
    if suffix in EXCEL:
        return "excel"
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic == b"PAR1":
        return "parquet"
    if magic in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0"):
        return "excel"
    return "csv"


def source_files(source: str | Path, where: str) -> tuple[list[str], str]:
    """The files of a folder (its Parquet files, else its CSV/text files, sorted) or of a glob, and their kind.

    Raises
    ------
    DataError
        An empty folder, a glob that matches nothing, a glob matching files of different kinds.
    """
    text = str(source)
    path = Path(source)
    if path.is_dir():
        inside = sorted(p for p in path.rglob("*") if p.is_file())
        files = [str(p) for p in inside if p.suffix.lower() in PARQUET]
        if files:
            return files, "parquet"
        files = [str(p) for p in inside if p.suffix.lower() in TEXT]
        if not files:
            raise DataError(
                f"{where}: the folder {text!r} holds no .parquet or .csv files",
                zh=f"{where}：文件夹 {text!r} 中没有 .parquet 或 .csv 文件",
            )
        return files, "csv"
    files = sorted(f for f in _glob.glob(text, recursive=True) if Path(f).is_file())
    if not files:
        raise DataError(
            f"{where}: no file matches {text!r}; check the pattern and the working directory",
            zh=f"{where}：没有文件匹配 {text!r}；请检查模式和当前文件夹",
        )
    kinds = {file_kind(Path(f)) for f in files}
    if len(kinds) > 1:
        raise DataError(
            f"{where}: {text!r} matches files of different kinds ({', '.join(sorted(kinds))}); match one kind",
            zh=f"{where}：{text!r} 匹配了不同类型的文件（{', '.join(sorted(kinds))}）；请只匹配一种",
        )
    return files, kinds.pop()


def check_same_columns(headers: Sequence[tuple[str, Sequence[Any]]], where: str) -> None:
    """Refuse files that do not have the same columns in the same order, naming the first that differs.

    ``headers``: (file, its column names) for each file, in the order they are read.

    Examples
    --------
    >>> check_same_columns([("a.csv", ["id", "date"]), ("b.csv", ["id", "date"])], "sales")
    >>> check_same_columns([("a.csv", ["id", "date"]), ("b.csv", ["id", "day"])], "sales")
    Traceback (most recent call last):
    ...
    crm_lessons._validation.DataError: sales: the files do not have the same columns: 'b.csv' has ['id', 'day'], 'a.csv' has ['id', 'date']; read files with the same columns together (move 'b.csv' out of the folder, or rename its columns as in 'a.csv')
    """
    first, columns = headers[0][0], [str(c) for c in headers[0][1]]
    for name, cols in headers[1:]:
        cols = [str(c) for c in cols]
        if cols == columns:
            continue
        order = " in another order" if sorted(cols) == sorted(columns) else ""
        a, b = quote(Path(first).name), quote(Path(name).name)
        raise DataError(
            f"{where}: the files do not have the same columns{order}: {b} has {cols[:12]}, {a} has {columns[:12]}; "
            f"read files with the same columns together (move {b} out of the folder, or rename its columns as in {a})",
            zh=f"{where}：这些文件的列不相同{'（顺序不同）' if order else ''}：{b} 的列为 {cols[:12]}，{a} 的列为 "
            f"{columns[:12]}；请只把列相同的文件放在一起读取（把 {b} 移出文件夹，或按 {a} 重命名它的列）",
        )
