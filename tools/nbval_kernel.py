"""Harden nbval's kernel start for runs that start kernels side by side (make test, check_portability).

Two faults of nbval 0.11 with jupyter_client 8 broke CI runs that had nothing to do with the
notebooks' outputs:

* A kernel that dies before replying to ``kernel_info`` fails every cell of its notebook.  On a
  loaded machine that starts kernels in parallel processes this happens when two kernels are
  handed the same free TCP port (jupyter_client picks ports by binding to port 0 and releasing
  them; another process can take one before the kernel binds it).  It is a start-up race, not
  a property of the notebook, so the start is retried (three attempts) and each retry is said
  on stderr.  A kernel that dies three times in a row still fails the notebook.
* nbval passes ``stderr=open(os.devnull, 'w')`` to the kernel and never closes that file; it is
  finalised at some later garbage collection, where ``filterwarnings = error`` turns its
  ResourceWarning into a failure of whichever test happens to be running.  The file is closed
  here and the kernel's stderr goes to ``subprocess.DEVNULL`` instead.

``harden()`` patches ``nbval.kernel.start_new_kernel``; it is idempotent.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

ATTEMPTS = 3
_DIED = ("died before replying", "didn't respond to heartbeats")


def harden() -> None:
    """Patch nbval's kernel start: close its leaked stderr file; retry a kernel that dies starting."""
    try:
        import nbval.kernel as nbk
    except ImportError:  # nbval not installed: nothing to harden
        return
    original = nbk.start_new_kernel
    if getattr(original, "_crm_hardened", False):
        return

    def start_new_kernel(startup_timeout: float = 60, kernel_name: str = "python", **kwargs: Any):
        leaked = kwargs.get("stderr")
        if hasattr(leaked, "close"):
            leaked.close()
            kwargs["stderr"] = subprocess.DEVNULL
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return original(startup_timeout=startup_timeout, kernel_name=kernel_name, **kwargs)
            except RuntimeError as exc:
                if attempt == ATTEMPTS or not any(s in str(exc) for s in _DIED):
                    raise
                print(
                    f"nbval: the kernel died starting ({exc}); start attempt {attempt + 1} of {ATTEMPTS}",
                    file=sys.stderr,
                    flush=True,
                )
        raise AssertionError("unreachable")

    start_new_kernel._crm_hardened = True  # type: ignore[attr-defined]
    nbk.start_new_kernel = start_new_kernel
