"""JupyterLab with the course font: ``python -m crm_lessons.runner.lab [FOLDER]``.

On a machine without a Chinese system font (a Linux lab server, a container,
JupyterHub) JupyterLab draws Chinese as boxes.  This starts ``jupyter lab``
with its custom CSS switched on (``LabApp.custom_css``) and served from the
package (``/custom/`` from ``lab_custom/``, the font file under ``/static/``):
``lab_custom/custom.css`` declares the bundled Noto Sans SC
(:func:`crm_lessons.fonts.font_path`) as the last font of JupyterLab's UI,
content and code font families, so Chinese in notebooks, outputs and the
interface is drawn with it when no system font has the characters.  Nothing
is written to the user's Jupyter configuration.  ``make lab``, ``make student``
and ``crm-lessons student --lab`` start JupyterLab this way.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["CUSTOM_DIR", "lab_arguments", "main"]

#: The folder holding ``custom.css`` (served by JupyterLab at ``/custom/``).
CUSTOM_DIR = Path(__file__).resolve().parent / "lab_custom"


def lab_arguments() -> list[str]:
    """``jupyter lab`` options that load the course font (custom CSS from the package, no user config touched).

    Examples
    --------
    >>> [a.split("=")[0] for a in lab_arguments()]
    ['--LabApp.custom_css', '--ServerApp.tornado_settings', '--ServerApp.extra_static_paths']
    """
    from crm_lessons.fonts import font_path

    return [
        "--LabApp.custom_css=True",
        f"--ServerApp.tornado_settings=static_custom_path={CUSTOM_DIR}",  # /custom/custom.css
        f"--ServerApp.extra_static_paths={font_path().parent}",  # /static/NotoSansSC-GB2312.otf
    ]


def main(argv: list[str] | None = None) -> int:
    """Replace this process with ``jupyter lab FOLDER`` and the course font (extra options are passed on)."""
    args = list(sys.argv[1:] if argv is None else argv)
    command = [sys.executable, "-m", "jupyter", "lab", *lab_arguments(), *args]
    os.execv(sys.executable, command)
    return 0  # pragma: no cover (execv does not return)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
