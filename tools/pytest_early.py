"""Loaded by pytest before its plugins (``-p tools.pytest_early`` in pyproject.toml's ``addopts``).

nbval, a plugin pytest loads before ``conftest.py``, imports nbformat and so
jsonschema, which imports ``rfc3987_syntax`` when it is installed and builds a
Lark grammar while doing so (about 1.1-1.5 CPU-s in every pytest process: the
main one and each xdist worker).  The test processes skip it as the package's
own commands do (:func:`crm_lessons.runner.skip_slow_optional_imports`).
"""

from __future__ import annotations

from crm_lessons.runner import skip_slow_optional_imports

skip_slow_optional_imports()
