"""tools/nbval_kernel.py: a kernel that dies starting is retried; nbval's leaked stderr file is closed."""

from __future__ import annotations

import os
import subprocess

import nbval.kernel as nbk
import pytest

from tools import nbval_kernel


@pytest.fixture
def fake_start(monkeypatch):
    """nbval's start_new_kernel replaced by a fake that fails as told, then hardened."""
    calls: list[dict] = []
    failures: list[str] = []

    def fake(startup_timeout=60, kernel_name="python", **kwargs):
        calls.append(kwargs)
        if failures:
            raise RuntimeError(failures.pop(0))
        return "km", "kc"

    monkeypatch.setattr(nbk, "start_new_kernel", fake)
    nbval_kernel.harden()
    return calls, failures


def test_a_kernel_that_dies_starting_is_retried(fake_start, capsys):
    calls, failures = fake_start
    failures += ["Kernel died before replying to kernel_info"] * (nbval_kernel.ATTEMPTS - 1)
    assert nbk.start_new_kernel(kernel_name="python3") == ("km", "kc")
    assert len(calls) == nbval_kernel.ATTEMPTS
    assert capsys.readouterr().err.count("the kernel died starting") == nbval_kernel.ATTEMPTS - 1


def test_a_kernel_that_keeps_dying_still_fails(fake_start):
    calls, failures = fake_start
    failures += ["Kernel died before replying to kernel_info"] * nbval_kernel.ATTEMPTS
    with pytest.raises(RuntimeError, match="died before replying"):
        nbk.start_new_kernel()
    assert len(calls) == nbval_kernel.ATTEMPTS


def test_other_errors_are_not_retried(fake_start):
    calls, failures = fake_start
    failures.append("No such kernel named python9")
    with pytest.raises(RuntimeError, match="python9"):
        nbk.start_new_kernel()
    assert len(calls) == 1


def test_the_leaked_stderr_file_is_closed(fake_start):
    calls, _ = fake_start
    leaked = open(os.devnull, "w")  # what nbval's RunningKernel passes
    nbk.start_new_kernel(stderr=leaked)
    assert leaked.closed
    assert calls[0]["stderr"] is subprocess.DEVNULL


def test_harden_is_idempotent(fake_start):
    patched = nbk.start_new_kernel
    nbval_kernel.harden()
    assert nbk.start_new_kernel is patched


def test_the_portability_summary_shows_a_kernel_error_not_a_docstring():
    """CI once printed wait_for_ready's docstring bullets as 'the difference' (they start with '- ')."""
    from tools.check_portability import _diff

    text = """    async def _async_wait_for_ready(self, timeout=None):
        \"\"\"Waits for a response when a client is blocked
        - Sets future time for timeout
        - Exit if the kernel has died
        \"\"\"
>               raise RuntimeError(msg)
E               RuntimeError: Kernel died before replying to kernel_info
"""
    shown = _diff(text)
    assert "Kernel died before replying" in shown
    assert "Sets future time" not in shown


def test_the_portability_summary_shows_an_output_difference():
    from tools.check_portability import _diff

    shown = _diff("Cell 22: Cell outputs differ\n  - trap share 0.206\n  + trap share 0.205\n")
    assert "- trap share 0.206" in shown and "+ trap share 0.205" in shown
