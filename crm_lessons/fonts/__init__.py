"""The bundled Noto Sans SC font (GB2312 subset, SIL Open Font License 1.1, see ``OFL.txt``).

One place names the file: :mod:`crm_lessons.plotting` registers it with matplotlib,
:mod:`crm_lessons.runner` embeds the characters a page uses.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["font_path"]


def font_path() -> Path:
    """Path of the bundled Noto Sans SC (GB2312 subset) font file.

    Examples
    --------
    >>> font_path().name
    'NotoSansSC-GB2312.otf'
    """
    return Path(str(resources.files("crm_lessons") / "fonts" / "NotoSansSC-GB2312.otf"))
