"""The course glossary (术语表): every term a chapter defines, in Chinese with English.

Each chapter keeps its own entries in ``crm_lessons/_glossary/chNN.json``
(``NN`` the chapter number, two digits): a JSON list of objects

.. code-block:: json

    {"term": "顾客份额", "english": "share of wallet", "aliases": ["钱包份额", "SOW"],
     "definition": "...", "chapter": 1, "section": "5 · 一对一营销 One-to-one marketing"}

where ``section`` is the heading (without ``## ``) of the notebook section
that teaches the term.  The notebooks show the same definition in a callout

``> **定义 Definition · 顾客份额 (share of wallet)**：...``

and ``tests/test_glossary.py`` checks that every callout has an entry and
that every entry points at a section that exists.

>>> entry = lookup("顾客份额")
>>> entry.english, entry.chapter
('share of wallet', 1)
>>> lookup("share of wallet") == lookup("SOW") == entry
True
"""

from __future__ import annotations

import difflib
import json
import os
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from crm_lessons._validation import DataError

__all__ = ["Entry", "callouts", "entries", "lookup", "terms"]

_FILE = re.compile(r"^ch(\d{2})\.json$")
_REQUIRED = ("term", "english", "definition", "chapter", "section")


@dataclass(frozen=True)
class Entry:
    """One glossary entry.

    ``str(entry)`` shows the term, the English term, the definition and the
    chapter and section that teach it.
    """

    term: str
    english: str
    definition: str
    chapter: int
    section: str
    aliases: tuple[str, ...] = field(default=())

    def __str__(self) -> str:
        also = f"\n又称 also: {'、'.join(self.aliases)}" if self.aliases else ""
        return (
            f"{self.term} ({self.english})\n定义 Definition：{self.definition}{also}\n"
            f"出处 Taught in：第{self.chapter}章 {self.section}"
        )

    def _repr_markdown_(self) -> str:
        also = f"（又称 {'、'.join(self.aliases)}）" if self.aliases else ""
        return (
            f"> **定义 Definition · {self.term} ({self.english})**：{self.definition}{also}\n>\n"
            f"> 出处 Taught in：第{self.chapter}章 {self.section}"
        )


def _norm(text: str) -> str:
    """Normalise for matching: full-width to half-width, case and spaces ignored."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(text))).strip().casefold()


def _glossary_dir() -> Path:
    return Path(str(resources.files("crm_lessons") / "_glossary"))


def _entry(obj: Any, *, where: str, chapter: int) -> Entry:
    if not isinstance(obj, dict):
        raise DataError(f"{where}: each entry must be a JSON object, got {type(obj).__name__}")
    missing = [k for k in _REQUIRED if k not in obj]
    if missing:
        raise DataError(
            f"{where}: entry {obj.get('term', obj)!r} lacks {missing}; "
            f"every entry needs {list(_REQUIRED)} (aliases optional)"
        )
    unknown = sorted(set(obj) - set(_REQUIRED) - {"aliases"})
    if unknown:
        raise DataError(f"{where}: entry {obj['term']!r} has unknown keys {unknown}")
    if obj["chapter"] != chapter:
        raise DataError(
            f"{where}: entry {obj['term']!r} says chapter {obj['chapter']!r}, "
            f"but the file belongs to chapter {chapter}; move it to ch{int(obj['chapter']):02d}.json"
        )
    aliases = obj.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        raise DataError(f"{where}: entry {obj['term']!r}: aliases must be a list of non-empty strings")
    for key in ("term", "english", "definition", "section"):
        if not isinstance(obj[key], str) or not obj[key].strip():
            raise DataError(f"{where}: entry {obj['term']!r}: {key!r} must be a non-empty string")
    if obj["section"].startswith("#"):
        raise DataError(f"{where}: entry {obj['term']!r}: give the section heading without '## '")
    return Entry(
        term=obj["term"].strip(),
        english=obj["english"].strip(),
        definition=obj["definition"].strip(),
        chapter=chapter,
        section=obj["section"].strip(),
        aliases=tuple(a.strip() for a in aliases),
    )


def entries(*, directory: str | os.PathLike | None = None) -> list[Entry]:
    """All glossary entries, in chapter order then file order.

    Parameters
    ----------
    directory : path, optional
        Folder of ``chNN.json`` files; default the package's ``_glossary``.

    Raises
    ------
    DataError
        A file is not valid JSON, an entry lacks a field or sits in the wrong
        chapter's file, or two entries share a term or alias.
    """
    if directory is None:
        return list(_cached_entries())
    return _read(Path(directory))


@lru_cache(maxsize=1)
def _cached_entries() -> tuple[Entry, ...]:
    return tuple(_read(_glossary_dir()))


def _read(folder: Path) -> list[Entry]:
    out: list[Entry] = []
    seen: dict[str, str] = {}
    files = sorted(p for p in folder.iterdir() if _FILE.match(p.name)) if folder.is_dir() else []
    for path in files:
        match = _FILE.match(path.name)
        assert match is not None  # the files were chosen by this pattern
        chapter = int(match.group(1))
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise DataError(f"{path.name}: not valid JSON ({exc}); fix the file") from None
        if not isinstance(data, list):
            raise DataError(f"{path.name}: expected a JSON list of entries, got {type(data).__name__}")
        for obj in data:
            entry = _entry(obj, where=path.name, chapter=chapter)
            for name in {_norm(n): n for n in (entry.term, entry.english, *entry.aliases)}.values():
                owner = seen.get(_norm(name))
                if owner is not None:
                    raise DataError(
                        f"{path.name}: {name!r} of entry {entry.term!r} already names entry {owner}; "
                        "a term, English term or alias may name one entry only"
                    )
                seen[_norm(name)] = f"{entry.term!r} (chapter {entry.chapter})"
            out.append(entry)
    return out


def lookup(term: str) -> Entry:
    """The glossary entry for a term, one of its aliases or its English name.

    Matching ignores case, full-width/half-width forms and extra spaces.

    Raises
    ------
    DataError
        The term is unknown; the message lists the closest terms.

    Examples
    --------
    >>> print(lookup("关系营销").english)
    relationship marketing
    >>> lookup("关系营销学")
    Traceback (most recent call last):
    ...
    crm_lessons._validation.DataError: glossary: no entry for '关系营销学'; did you mean '关系营销'...
    """
    index = _index()
    key = _norm(term)
    if key in index:
        return index[key]
    names = sorted({name for e in entries() for name in (e.term, e.english, *e.aliases)})
    normed = {_norm(n): n for n in names}
    close = [normed[k] for k in difflib.get_close_matches(key, list(normed), n=5, cutoff=0.5)]
    close += [n for k, n in normed.items() if key and (key in k or k in key) and n not in close]
    hint = (
        f"did you mean {', '.join(repr(c) for c in close[:5])}?"
        if close
        else "see crm_lessons.glossary.terms() for every term"
    )
    raise DataError(f"glossary: no entry for {term!r}; {hint}")


def _index() -> dict[str, Entry]:
    index: dict[str, Entry] = {}
    for e in entries():
        for name in (e.term, e.english, *e.aliases):
            index.setdefault(_norm(name), e)
    return index


def terms(*, chapter: int | None = None) -> pd.DataFrame:
    """Every glossary entry as a table (optionally one chapter's).

    Returns
    -------
    DataFrame
        Columns ``term``, ``english``, ``aliases`` (joined by "、"),
        ``definition``, ``chapter``, ``section``; one row per entry, in
        chapter order.

    Examples
    --------
    >>> t = terms(chapter=1)
    >>> list(t.columns)
    ['term', 'english', 'aliases', 'definition', 'chapter', 'section']
    >>> "关系营销" in set(t["term"])
    True
    """
    rows = [
        {
            "term": e.term,
            "english": e.english,
            "aliases": "、".join(e.aliases),
            "definition": e.definition,
            "chapter": e.chapter,
            "section": e.section,
        }
        for e in entries()
        if chapter is None or e.chapter == chapter
    ]
    return pd.DataFrame(rows, columns=["term", "english", "aliases", "definition", "chapter", "section"])


# ------------------------------------------------------------------ callouts in notebooks

# The house form has the term inside the bold part; the older form "> **定义 Definition** 术语：..." (no term
# in bold) is not a glossary callout and is skipped.
_CALLOUT_START = re.compile(r"^\s*>\s*\*\*\s*定义\s*Definition(?!\s*\*\*)", re.IGNORECASE)
_CALLOUT = re.compile(r"^\s*>\s*\*\*\s*定义\s*Definition\s*[·•・∙:：|\-–—]\s*(?P<body>[^*]+?)\s*\*\*", re.IGNORECASE)


def _split_english(body: str) -> tuple[str, str | None]:
    """Split ``术语 (English)`` into its two parts; a bracket glued to the term (``P(alive)``) is part of it."""
    body = body.strip()
    if not body.endswith((")", "）")):
        return body, None
    depth = 0
    for i in range(len(body) - 1, -1, -1):
        ch = body[i]
        if ch in ")）":
            depth += 1
        elif ch in "(（":
            depth -= 1
            if depth == 0:
                term, english = body[:i].rstrip(), body[i + 1 : -1].strip()
                glued = i > 0 and not body[i - 1].isspace() and ch == "("
                if glued or not term:
                    return body, None
                return term, english
    return body, None


def callouts(markdown: str) -> list[tuple[str, str | None]]:
    """The ``(term, english)`` of every definition callout in a markdown text.

    A callout is a quoted line ``> **定义 Definition · 术语 (English)**：...``;
    the separator may be ``·``, ``•``, ``-`` or a colon, brackets may be
    full-width, and the English part is optional.

    The older form ``> **定义 Definition** 术语：...`` (term outside the bold
    part) is not a glossary callout and is skipped.

    Raises
    ------
    DataError
        A line starts like a callout (``> **定义 Definition ...``) but the
        bold part cannot be read as a term, e.g. the bold is never closed.

    Examples
    --------
    >>> callouts("> **定义 Definition · 顾客份额 (share of wallet)**：一家企业……")
    [('顾客份额', 'share of wallet')]
    >>> callouts("> **定义 Definition·P(alive)**: ...")
    [('P(alive)', None)]
    """
    found: list[tuple[str, str | None]] = []
    for line in markdown.splitlines():
        if not _CALLOUT_START.match(line):
            continue
        m = _CALLOUT.match(line)
        if m is None:
            raise DataError(
                f"definition callout not in the house form: {line.strip()[:80]!r}; write "
                "'> **定义 Definition · 术语 (English)**：definition'"
            )
        found.append(_split_english(m.group("body")))
    return found
