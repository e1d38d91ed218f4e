"""Whether a file fits in memory before it is read into pandas."""

from __future__ import annotations

from crm_lessons._validation import DataError, option

_WHERE = "read_transactions"


#: Memory that reading a text file into pandas takes, as a multiple of its size on disk: the raw
#: bytes, the parsed text columns and the typed result (a 2 GiB CSV took 14.8 GB, about 7.4x).
MEMORY_FACTOR = 8


def _available_memory() -> int | None:
    """Bytes of memory available to this process now (psutil's ``available``), or None where it cannot be told."""
    import psutil

    try:
        return int(psutil.virtual_memory().available)
    except (OSError, RuntimeError, AttributeError):  # pragma: no cover - a platform psutil cannot read
        return None


def _size(nbytes: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if nbytes < 1024 or unit == "GB":
            return f"{nbytes:.0f} {unit}" if unit == "B" else f"{nbytes:.1f} {unit}"
        nbytes /= 1024
    return f"{nbytes:.1f} GB"  # pragma: no cover


def check_memory(nbytes: int, *, where: str = _WHERE, available: int | None = None) -> None:
    """Refuse, before reading, a file that would not fit in memory.

    Parameters
    ----------
    nbytes : int
        Size of the file on disk.
    where : str
        Prefix of the message.
    available : int, optional
        Bytes of memory available (default: asked of the operating system).

    Raises
    ------
    DataError
        ``nbytes * MEMORY_FACTOR`` exceeds the memory available.

    Examples
    --------
    >>> check_memory(10_000_000, available=8 * 2**30)
    >>> check_memory(2 * 2**30, where="big.csv", available=8 * 2**30)
    Traceback (most recent call last):
    ...
    crm_lessons._validation.DataError: big.csv: the file is 2.0 GB and needs about 16.0 GB of memory to read, ...
    """
    available = _available_memory() if available is None else available
    need = nbytes * MEMORY_FACTOR
    if available is not None and need > available:
        if duckdb_installed():
            how = (
                f"read it with DuckDB, which works out of memory: {option('engine', 'duckdb')} "
                "(crm_lessons.engines.read_source; see 'Large data' in the README)"
            )
            how_zh = (
                f"请改用可在内存之外计算的 DuckDB：{option('engine', 'duckdb')}"
                "（crm_lessons.engines.read_source；见 README 的 “Large data”）"
            )
        else:
            how = (
                'install the DuckDB engine, which works out of memory, with pip install "crm-lessons[duckdb]" '
                f"and use {option('engine', 'duckdb')} (see 'Large data' in the README)"
            )
            how_zh = (
                '请用 pip install "crm-lessons[duckdb]" 安装可在内存之外计算的 DuckDB 引擎，'
                f"再用 {option('engine', 'duckdb')}（见 README 的 “Large data”）"
            )
        raise DataError(
            f"{where}: the file is {_size(nbytes)} and needs about {_size(need)} of memory to read, but only "
            f"{_size(available)} is available; {how}, or split the file by date and read the parts",
            zh=f"{where}：文件大小 {_size(nbytes)}，读入约需 {_size(need)} 内存，而当前只有 {_size(available)} 可用；"
            f"{how_zh}，或按日期拆分文件后分别读取",
        )


def fits_in_memory(nbytes: int, *, available: int | None = None) -> bool:
    """Whether a text file of ``nbytes`` can be read into pandas (see :func:`check_memory`).

    Examples
    --------
    >>> fits_in_memory(10_000_000, available=8 * 2**30), fits_in_memory(2 * 2**30, available=8 * 2**30)
    (True, False)
    """
    available = _available_memory() if available is None else available
    return available is None or nbytes * MEMORY_FACTOR <= available


def duckdb_installed() -> bool:
    """Whether the optional DuckDB engine (``pip install "crm-lessons[duckdb]"``) is installed; imports nothing.

    Examples
    --------
    >>> isinstance(duckdb_installed(), bool)
    True
    """
    from importlib.util import find_spec

    return all(find_spec(name) is not None for name in ("ibis", "duckdb", "pyarrow"))
