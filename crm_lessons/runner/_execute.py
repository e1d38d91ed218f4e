"""Running a notebook top to bottom with papermill in a fresh kernel (:mod:`crm_lessons.runner.kernel`)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from crm_lessons._fileio import atomic_write_bytes


def execute_notebook(
    src: str | os.PathLike,
    dst: str | os.PathLike | None = None,
    *,
    parameters: Mapping[str, Any] | None = None,
    cwd: str | os.PathLike | None = None,
    timeout: int = 600,
    log_output: bool = False,
) -> Any:
    """Run a notebook top to bottom in a fresh kernel with papermill.

    Parameters
    ----------
    src : path
        The notebook; it is never modified.
    dst : path, optional
        Where to write the executed notebook (atomically); ``None`` keeps it in memory only.
    parameters : mapping, optional
        Values injected after the cell tagged ``parameters``.
    cwd : path, optional
        Working directory of the kernel (default: the notebook's folder).

    Returns
    -------
    nbformat.NotebookNode
        The executed notebook.

    Raises
    ------
    papermill.PapermillExecutionError
        A cell raised; the message names the cell and the exception.
    """
    import nbformat
    import papermill as pm

    src = Path(src)
    if dst is not None and Path(dst).resolve() == src.resolve():
        raise ValueError(f"refusing to overwrite the source notebook {src}; choose another output path")
    from nbclient.exceptions import DeadKernelError

    with tempfile.TemporaryDirectory(prefix="crm-nb-") as tmpdir:
        out = Path(tmpdir) / src.name
        log = Path(tmpdir) / "kernel.log"
        managers: list[Any] = []
        try:
            nb = pm.execute_notebook(
                str(src),
                str(out),
                parameters=dict(parameters or {}),
                kernel_name="python3",
                cwd=str(cwd or src.parent),
                progress_bar=False,
                log_output=log_output,
                execution_timeout=timeout,
                report_mode=False,
                kernel_manager_class=_kernel_manager_class(log, created=managers),
            )
        except DeadKernelError as exc:  # say why, if the kernel said anything before it died
            tail = _log_tail(log)
            if not tail:
                raise
            raise DeadKernelError(f"{exc}\nthe kernel's last output:\n{tail}") from exc
        except BaseException:
            # interrupted (Ctrl-C, SIGTERM) while the kernel starts, nbclient may not stop it, and a
            # kernel left running writes its connection file again once the folder is gone
            for manager in managers:
                _stop_kernel_process(manager)
            _stop_processes_using(log.with_name("kernel-connection.json"))
            raise
        if dst is not None:
            atomic_write_bytes(Path(dst), out.read_bytes())
    return nbformat.from_dict(nb)


def _kernel_manager_class(log_path: Path | None = None, *, created: list[Any] | None = None) -> Any:
    """The kernel-manager class for notebook runs: :class:`crm_lessons.runner.kernel.NotebookKernelManager`.

    With a ``log_path``, a subclass of it whose kernel process writes its own output (its
    log lines, and the traceback of a message it could not answer because the run was
    interrupted) to that file instead of the user's terminal, and whose connection file is
    written beside it; each manager it makes is appended to ``created``.
    """
    from crm_lessons.runner.kernel import NotebookKernelManager

    if log_path is None:
        return NotebookKernelManager

    from traitlets import default

    log_file: Path = log_path

    class LoggingKernelManager(NotebookKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            if created is not None:
                created.append(self)

        @default("connection_file")
        def _connection_file_beside_log(self) -> str:
            # in the run's temporary folder, which goes however the run ends: interrupted while the
            # kernel starts, jupyter_client's own temporary connection file could stay behind
            return str(log_file.with_name("kernel-connection.json"))

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            with open(log_file, "ab") as log:  # the kernel process gets its own copy of the descriptor
                kw.setdefault("stdout", log)
                kw.setdefault("stderr", log)
                return await super()._async_launch_kernel(kernel_cmd, **kw)

        # as jupyter_client's AsyncKernelManager does: the async launcher serves under both names
        _launch_kernel = _async_launch_kernel  # type: ignore[assignment]

    return LoggingKernelManager


def _stop_kernel_process(manager: Any) -> None:
    """Kill the kernel process of ``manager`` if it still runs, and wait until it has gone."""
    process = getattr(getattr(manager, "provisioner", None), "process", None)
    if process is None or process.poll() is not None:
        return
    process.kill()
    try:
        process.wait(timeout=10)
    except Exception:  # noqa: BLE001 - nothing more to do for a process that does not end
        pass


def _stop_processes_using(connection_file: Path) -> None:
    """Kill processes started with ``connection_file`` on their command line (a kernel launched just as
    the run was interrupted, before its manager knew its process)."""
    import psutil

    needle = str(connection_file)
    me = os.getpid()
    for proc in psutil.process_iter(["pid", "cmdline"]):
        try:
            if proc.info["pid"] != me and any(needle in part for part in proc.info["cmdline"] or ()):
                proc.kill()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue


def _log_tail(path: Path, limit: int = 2000) -> str:
    """The end of a kernel's log (at most ``limit`` characters), or ''."""
    try:
        data = path.read_bytes()[-limit:]
    except OSError:
        return ""
    return data.decode("utf-8", errors="replace").strip()
