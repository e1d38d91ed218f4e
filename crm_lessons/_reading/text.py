"""Decoding a text file: UTF-8 (with or without byte-order mark), GBK/GB18030, UTF-16."""

from __future__ import annotations

import codecs
from typing import Any

from crm_lessons._validation import DataError, option, pass_option


def utf16_encoding(data: bytes) -> str | None:
    """'utf-16' for a byte-order mark, 'utf-16-le'/'utf-16-be' for BOM-less UTF-16 text, else None.

    Excel's "Unicode text" export is UTF-16 with a byte-order mark; without one, ASCII
    characters show as a zero byte beside every character.
    """
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    head = data[:4096]
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.3 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.3 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def decode_check(data: bytes, encoding: str | None, where: str) -> str:
    """Return the encoding to use; UTF-16 when it is that, else UTF-8 strictly, then GB18030."""
    if encoding is not None:
        try:
            data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise DataError(
                f"{where}: cannot decode the file as {option('encoding', encoding)} ({exc}); "
                "leave the encoding out to detect UTF-8 or GBK/GB18030 automatically",
                zh=f"{where}：无法按编码 {encoding!r} 解码文件；不指定编码即可自动识别 UTF-8 或 GBK/GB18030",
            ) from exc
        return encoding
    utf16 = utf16_encoding(data)
    if utf16 is not None:
        try:
            data.decode(utf16)
        except UnicodeDecodeError as exc:
            raise DataError(
                f"{where}: the file looks like UTF-16 text but does not decode as {utf16}; save it "
                "from Excel as 'CSV UTF-8'",
                zh=f"{where}：文件像 UTF-16 文本，但无法按 {utf16} 解码；请在 Excel 中另存为“CSV UTF-8”",
            ) from exc
        return utf16
    if b"\x00" in data[:65536]:
        raise DataError(
            f"{where}: this is not a text file (it holds zero bytes); export the data as CSV "
            "(UTF-8 or GBK) or as an .xlsx workbook",
            zh=f"{where}：这不是文本文件（含有零字节）；请导出为 CSV（UTF-8 或 GBK）或 .xlsx 工作簿",
        )
    try:
        # the start first: a failed decode copies the whole input into the exception (0.02 s per 40 MB)
        codecs.getincrementaldecoder("utf-8")().decode(data[:_GB18030_CHECK], final=len(data) <= _GB18030_CHECK)
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    # the start decides; a bad byte further on stops pandas' strict decoding while reading (_read_frame),
    # with the same message, so a GBK file is decoded once instead of twice
    if not gb18030_start(data):
        raise not_utf8_or_gbk(where)
    return "gb18030"


def gb18030_start(data: Any) -> bool:
    """Whether the start of the text (bytes or a memory map) decodes as GB18030: what :func:`decode_check`
    looks at once the text is neither UTF-16 nor UTF-8 (bad bytes further on are found while reading)."""
    try:
        codecs.getincrementaldecoder("gb18030")().decode(data[:_GB18030_CHECK], final=len(data) <= _GB18030_CHECK)
    except UnicodeDecodeError:
        return False
    return True


#: Bytes at the start of a non-UTF-8 file decoded to decide that it is GB18030.
_GB18030_CHECK = 1 << 20


def not_utf8_or_gbk(where: str) -> DataError:
    return DataError(
        f"{where}: the file is neither UTF-8 nor GBK/GB18030 text; save it from Excel as "
        f"'CSV UTF-8' or {pass_option('encoding')}",
        zh=f"{where}：文件既不是 UTF-8 也不是 GBK/GB18030 文本；请在 Excel 中另存为“CSV UTF-8”，或用 {option('encoding')} 指定编码",
    )
