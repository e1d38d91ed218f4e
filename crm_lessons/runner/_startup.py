"""Start-up of the processes this package owns (the command line and its worker processes).

Only entry points call :func:`skip_slow_optional_imports`; importing
:mod:`crm_lessons` as a library changes nothing in the importing process.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = [
    "FORMAT_CHECKER_MODULES",
    "defer_numpy_f2py",
    "skip_library_docstring_generation",
    "skip_slow_optional_imports",
]

#: Optional modules that cost much at import and that nothing these processes do needs.
#: ``rfc3987_syntax``: jsonschema imports it, when installed (JupyterLab's ``jupyter-events``
#: installs it through ``jsonschema[format-nongpl]``), only to check the "iri" and
#: "iri-reference" formats, which no notebook schema uses; it builds a Lark grammar while
#: being imported, about 1.1 s on a 2-core machine, paid by every command that imports
#: nbformat (papermill, nbconvert, nbgrader); python-jsonschema/jsonschema#1428.
SLOW_OPTIONAL_MODULES = ("rfc3987_syntax",)
#: jsonschema's other optional format checkers (JupyterLab installs them the same way), for formats no notebook
#: schema uses ("uri", "duration" with the ``arrow`` dates library, "color", "uri-template", "hostname"):
#: 0.01-0.03 CPU-s of each import of nbformat.  Skipped by the report command, whose process needs none.
FORMAT_CHECKER_MODULES = ("rfc3986_validator", "isoduration", "webcolors", "uri_template", "fqdn")


def skip_slow_optional_imports(also: tuple[str, ...] = ()) -> None:
    """Make the optional imports in :data:`SLOW_OPTIONAL_MODULES` (and ``also``) fail fast in this process.

    A module mapped to ``None`` in ``sys.modules`` raises ``ImportError`` when
    imported, which the importing library handles as "not installed" (jsonschema
    then leaves the "iri" formats unchecked).  A module already imported is left
    as it is.

    Examples
    --------
    >>> import subprocess, sys
    >>> code = ("from crm_lessons.runner import skip_slow_optional_imports; skip_slow_optional_imports(); "
    ...         "import jsonschema, sys; print(sys.modules['rfc3987_syntax'])")
    >>> subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    'None\\n'
    """
    for name in (*SLOW_OPTIONAL_MODULES, *also):
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def defer_numpy_f2py() -> None:
    """Load ``numpy.f2py`` in this process only when one of its attributes is used.

    SciPy's array API layer (``scipy.special``, ``scipy.optimize``) copies numpy's namespace by reading
    every public attribute of ``numpy``, which imports ``numpy.f2py`` (Fortran wrappers): 0.02-0.03 CPU-s
    of every report, for a module it never uses (``charset_normalizer``, which f2py imports, BeautifulSoup
    imports anyway for the page).  The module is
    put in place with :class:`importlib.util.LazyLoader` (the standard library's lazy import), so reading
    ``numpy.f2py`` gives it and using it loads it.  Only the ``report`` command calls this; a module
    already imported is left as it is.

    Examples
    --------
    >>> import subprocess, sys
    >>> code = ("from crm_lessons.runner._startup import defer_numpy_f2py; defer_numpy_f2py(); import scipy.special, sys; "
    ...         "print('numpy.f2py.crackfortran' in sys.modules, callable(sys.modules['numpy.f2py'].run_main))")
    >>> subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    'False True\\n'
    """
    import importlib.util

    import numpy

    if "numpy.f2py" in sys.modules:
        return
    spec = importlib.util.find_spec("numpy.f2py")
    if spec is None or spec.loader is None:
        return
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["numpy.f2py"] = module
    loader.exec_module(module)
    numpy.f2py = module  # as importing it sets it (numpy's __getattr__ not asked)


def skip_library_docstring_generation() -> None:
    """Let SciPy and matplotlib leave their docstrings as written instead of generating them while importing.

    Two libraries write documentation at import time that the report never reads:

    * SciPy (1.15 and later) decorates ~200 functions of ``scipy.special``, ``scipy.optimize`` and
      ``scipy.linalg`` with ``scipy._lib._array_api.xp_capabilities``, which records the function in
      SciPy's test table and parses and rewrites its docstring with a table of array backends
      (numpydoc's ``FunctionDoc``): about 0.06 CPU-s.  Here the decorator still records the function
      and returns it unchanged.
    * matplotlib gives each of ~100 ``Artist`` classes a ``set`` method with a signature and a
      docstring listing every property (``Artist._update_set_signature_and_docstring``, which inspects
      all ``set_*`` methods of the class): about 0.1 CPU-s.  Here the classes still get their ``set``,
      which calls ``Artist.set`` as before, marked as generated, without the listing.

    Together about 9 % of a small report's CPU time; nothing the report draws or computes changes.  Only
    the ``report`` command calls this (importing :mod:`crm_lessons` changes nothing); a library whose
    modules are already imported, or that lacks these internals, is left as it is.

    Examples
    --------
    >>> import subprocess, sys
    >>> code = ("from crm_lessons.runner._startup import skip_library_docstring_generation as s; s(); "
    ...         "import scipy.special as sp, matplotlib.lines as ml; "
    ...         "from scipy._lib._array_api import xp_capabilities_table as t; "
    ...         "print(sp.logsumexp in t, 'Array API Standard Support' in sp.logsumexp.__doc__, "
    ...         "ml.Line2D.set._autogenerated_signature, ml.Line2D.set.__doc__)")
    >>> subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    'True False True None\\n'
    """
    if not any(name in sys.modules for name in ("scipy.special", "scipy.optimize", "scipy.linalg")):
        try:
            import scipy._lib._array_api as api
        except ImportError:  # pragma: no cover - SciPy is a dependency
            api = None
        table = getattr(api, "xp_capabilities_table", None)
        if api is not None and callable(getattr(api, "xp_capabilities", None)) and isinstance(table, dict):

            def xp_capabilities(*, capabilities_table: Any = None, **capabilities: Any) -> Any:
                where = table if capabilities_table is None else capabilities_table

                def decorator(f: Any) -> Any:
                    where[f] = capabilities
                    return f

                return decorator

            api.xp_capabilities = xp_capabilities
    if "matplotlib.lines" not in sys.modules:  # the Artist classes are not made yet
        try:
            from matplotlib.artist import Artist
        except ImportError:  # pragma: no cover - matplotlib is a dependency
            return
        if isinstance(Artist.__dict__.get("_update_set_signature_and_docstring"), classmethod):

            def mark_generated(cls: Any) -> None:
                cls.set._autogenerated_signature = True  # as matplotlib marks it: subclasses get their own set

            setattr(Artist, "_update_set_signature_and_docstring", classmethod(mark_generated))  # noqa: B010
