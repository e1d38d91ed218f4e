"""A sandbox per submission: each student's kernel runs under bubblewrap (``bwrap``), sealed off.

The kernel sees a read-only system (``/usr``, the libraries, a few files of
``/etc``), the Python installation and virtual environment the grader runs
(read-only), the ``crm_lessons`` package itself (read-only, without the
checkout's notebooks or tests), a private home on a size-capped tmpfs holding
only its own submission (read-only), and the folder of its ZeroMQ ``ipc``
sockets.  Nothing of the course folder, the gradebook, the other students,
the grader's temporary files or the instructor's home is there.  It runs in
its own user, process, IPC, UTS and network namespaces (no network at all:
the grader talks to it over ``ipc`` sockets in a folder both sides see), in
a new session, and dies with the process that started it; every process it
starts dies with it.  Resource limits (``setrlimit``) cap its address space,
processes, file size and CPU time.  What the kernel prints on its own
stdout and stderr goes to a file of the grader's, never to the grading job's
log (which the grader reads limit reasons from); the job passes its tail on
with every line marked :data:`KERNEL_PREFIX`.

:class:`SandboxKernelManager` is the kernel manager nbgrader uses for this
(``c.Execute.kernel_manager_class``); the limits and the submission's file
come from its configuration.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

__all__ = ["HOME", "KERNEL_PREFIX", "Limits", "SandboxKernelManager", "job_lines", "sandbox_command", "sandbox_problem"]

#: The private home (and working folder) of a sandboxed kernel.
HOME = "/home/student"

#: What begins every line a sandboxed kernel printed on its own stdout or stderr, as the grading job passes it on.
KERNEL_PREFIX = "[sandboxed kernel] "

# the last part of a kernel's own output passed on to the job's log (the rest is the student's to lose)
_KERNEL_OUTPUT_KEPT = 16 * 1024

# system folders bound read-only when present (symbolic links, as on merged-/usr systems, are recreated)
_SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# the few files of /etc a Python kernel reads; never /etc as a whole (it holds the machine's secrets)
_ETC = (
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/etc/timezone",
    "/etc/fonts",
    "/etc/alternatives",
    "/etc/ssl/certs",
    "/etc/mime.types",
    "/etc/matplotlibrc",
)
# variables passed into the sandbox from the grader's environment (numerics only)
_PASS_ENV = ("OPENBLAS_", "OMP_", "MKL_", "NPY_", "PYTHONHASHSEED", "LANG", "LC_ALL", "TZ")


@dataclass(frozen=True)
class Limits:
    """The resources one submission's kernel may use; each is reported in the CSV when hit."""

    memory: int = 4 * 2**30  #: address space (RLIMIT_AS), bytes: chapter 3 reserves more than 2 GB of it
    processes: int = 256  #: processes and threads (RLIMIT_NPROC, counted in the sandbox's user namespace)
    file_size: int = 64 * 2**20  #: largest file it may write (RLIMIT_FSIZE), bytes
    cpu: int = 900  #: CPU seconds of the kernel (RLIMIT_CPU)
    disk: int = 256 * 2**20  #: its writable home and /tmp together (tmpfs size), bytes
    output: int = 2 * 2**20  #: outputs kept per notebook (the rest is cut), bytes

    def describe(self) -> dict[str, str]:
        """Human-readable limits, e.g. ``{"memory": "4 GB", ...}``."""
        return {
            "memory": _size(self.memory),
            "processes": str(self.processes),
            "file_size": _size(self.file_size),
            "cpu": f"{self.cpu} s",
            "disk": _size(self.disk),
            "output": _size(self.output),
        }


def _size(n: int) -> str:
    return f"{n / 2**30:g} GB" if n >= 2**30 else f"{n / 2**20:g} MB"


def _python_paths() -> list[Path]:
    """Folders the kernel's Python needs: the installation, the virtual environment and the package."""
    import crm_lessons

    paths = {Path(sys.base_prefix), Path(sys.prefix), Path(sys.exec_prefix), Path(sys.base_exec_prefix)}
    exe = Path(sys.executable)
    paths.add(exe.parent)
    paths.add(exe.resolve().parent.parent)
    package = Path(crm_lessons.__file__).resolve().parent
    paths.add(package)
    return sorted(p for p in paths if p.exists())


def _package_root() -> Path:
    import crm_lessons

    return Path(crm_lessons.__file__).resolve().parent.parent


def _binds(paths: list[Path]) -> list[str]:
    """``--ro-bind`` arguments for ``paths`` (a folder inside another one is dropped), parents made 0755."""
    out: list[str] = []
    kept: list[Path] = []
    for p in sorted(set(paths), key=lambda p: len(p.parts)):
        if any(p == k or k in p.parents for k in kept):
            continue
        kept.append(p)
        out += _parents(p) + ["--ro-bind", str(p), str(p)]
    return out


def _parents(path: Path) -> list[str]:
    """bwrap creates the folders above a bind point 0700: make them traversable for the kernel's user."""
    out: list[str] = []
    for parent in reversed(path.parents):
        if str(parent) not in ("/", "/usr", "/tmp", "/home", "/dev", "/proc", "/etc"):
            out += ["--perms", "0755", "--dir", str(parent)]
    return out


#: When the grader runs as root, each sandboxed kernel runs as a user of its own drawn from this range (no
#: account needed): a kernel running as root would be exempt from the process limit and could read root's files
#: bound into the sandbox, and kernels sharing one user (``nobody``) would share one process limit, so a fork
#: bomb in one submission would starve a classmate's kernel graded beside it.
UID_RANGE = (3_000_000_000, 4_000_000_000)


def sandbox_uid() -> int:
    """A fresh user id for one sandboxed kernel (see :data:`UID_RANGE`)."""
    import secrets

    return UID_RANGE[0] + secrets.randbelow(UID_RANGE[1] - UID_RANGE[0])


def sandbox_command(
    argv: list[str],
    *,
    socket_dir: str | os.PathLike,
    limits: Limits = Limits(),
    files: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
    uid: int | None = None,
) -> list[str]:
    """The command line that runs ``argv`` sealed off (see the module's docstring).

    Parameters
    ----------
    argv : list of str
        The command to run inside (e.g. the kernel's), its paths as seen inside.
    socket_dir : path
        A folder bound writable at the same path inside (the kernel's connection file and ``ipc`` sockets);
        when the grader runs as root it must belong to ``uid`` (:func:`prepare_socket_dir`).
    limits : Limits
    files : dict, optional
        File name in the private home -> a file outside, bound read-only (the submission's own copy).
    env : dict, optional
        Extra environment variables inside.
    uid : int, optional
        The user the command runs as when the grader runs as root (default: :func:`sandbox_uid`).
    """
    args = ["bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    if os.geteuid() == 0:
        # no user namespace for root (its processes would still count as root's); the limiter drops to a user of its own
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        args += ["--unshare-user"]  # the process limit then counts this sandbox's processes only
    args += ["--die-with-parent", "--new-session", "--hostname", "sandbox", "--clearenv"]
    for d in _SYSTEM:
        if os.path.islink(d):
            args += ["--symlink", os.readlink(d), d]
        elif os.path.isdir(d):
            args += ["--ro-bind", d, d]
    for f in _ETC:
        args += ["--ro-bind-try", f, f]
    args += ["--proc", "/proc", "--dev", "/dev"]
    # the CPU topology, read-only: without it lscpu fails, and joblib (through it) warns on stderr in every
    # notebook that fits scikit-learn models in parallel (chapter 9's checked cell printed that warning)
    for d in ("/sys", "/sys/devices", "/sys/devices/system"):
        args += ["--perms", "0555", "--dir", d]
    args += ["--ro-bind-try", "/sys/devices/system/cpu", "/sys/devices/system/cpu"]
    for tmpfs in ("/tmp", "/dev/shm", "/home"):
        args += ["--perms", "1777", "--size", str(limits.disk), "--tmpfs", tmpfs]
    args += _binds(_python_paths())
    # the checkout's datasets (an editable install reads them from there; a wheel ships them in the package)
    datasets = _package_root() / "datasets"
    if datasets.is_dir() and (_package_root() / "crm_lessons").is_dir():
        args += ["--ro-bind", str(datasets), str(datasets)]
    args += ["--perms", "0777", "--dir", HOME]
    for name, src in (files or {}).items():
        args += ["--ro-bind", str(src), f"{HOME}/{name}"]
    # after every --tmpfs: a later --tmpfs over /tmp would hide a folder bound under /tmp before it
    args += _parents(Path(socket_dir)) + ["--bind", str(socket_dir), str(socket_dir)]
    variables = {
        "HOME": HOME,
        "USER": "student",
        "PATH": os.pathsep.join([os.path.dirname(sys.executable), "/usr/local/bin", "/usr/bin", "/bin"]),
        "PYTHONPATH": str(_package_root()),
        "MPLCONFIGDIR": f"{HOME}/.config/matplotlib",
        "MPLBACKEND": "agg",
        "PYTHONDONTWRITEBYTECODE": "1",
        "LANG": "C.UTF-8",
    }
    for key, value in os.environ.items():
        if key.startswith(_PASS_ENV):
            variables[key] = value
    variables.update(env or {})
    for key, value in variables.items():
        args += ["--setenv", key, value]
    args += ["--chdir", HOME, "--"]
    return args + _with_limits(argv, limits, uid if uid is not None else sandbox_uid())


def prepare_socket_dir(path: str | os.PathLike, uid: int) -> None:
    """Give the kernel's socket folder (or connection file) to the user the kernel runs as."""
    if os.geteuid() == 0:
        os.chown(path, uid, uid)


_LIMITER = (
    "import os, resource, sys\n"
    "for name, value in zip(('AS', 'NPROC', 'FSIZE', 'CPU', 'CORE'), map(int, sys.argv[1:6])):\n"
    "    resource.setrlimit(getattr(resource, 'RLIMIT_' + name), (value, value))\n"
    "uid = int(sys.argv[6])\n"
    "if os.getuid() == 0:\n    os.setgroups([]); os.setgid(uid); os.setuid(uid)\n"
    "os.execv(sys.argv[7], sys.argv[7:])\n"
)


def _with_limits(argv: list[str], limits: Limits, uid: int) -> list[str]:
    """``argv`` started through a small Python program that sets the resource limits, then becomes it."""
    numbers = [limits.memory, limits.processes, limits.file_size, limits.cpu, 0, uid]
    exe = argv[0] if os.path.isabs(argv[0]) else shutil.which(argv[0]) or argv[0]
    return [sys.executable, "-I", "-S", "-c", _LIMITER, *map(str, numbers), exe, *argv[1:]]


@functools.lru_cache(maxsize=1)
def sandbox_problem() -> str | None:
    """Why no submission can be sandboxed here, or None when bubblewrap works (tried once per process)."""
    if not sys.platform.startswith("linux"):
        return f"bubblewrap sandboxes need Linux; this is {sys.platform}"
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed (Debian/Ubuntu: apt install bubblewrap)"
    with tempfile.TemporaryDirectory(prefix="crm-sbx-") as tmp:
        uid = sandbox_uid()
        prepare_socket_dir(tmp, uid)
        cmd = sandbox_command([sys.executable, "-c", "print('ok')"], socket_dir=tmp, uid=uid)
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"bubblewrap could not start ({exc})"
    if done.returncode != 0 or done.stdout.strip() != "ok":
        why = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return f"bubblewrap cannot create a sandbox here ({why}); user namespaces may be disabled"
    return None


def _kernel_manager_base() -> type:
    from crm_lessons.runner.kernel import NotebookKernelManager

    return NotebookKernelManager


class SandboxKernelManager(_kernel_manager_base()):  # type: ignore[misc]
    """The notebook kernel manager, with each kernel started under bubblewrap and talking over ``ipc``.

    Configured (traitlets) with ``limits`` (a dict of :class:`Limits` fields) and
    ``files`` (names in the private home -> files outside).  Interrupts go as
    messages (a signal to ``bwrap`` would not reach the kernel).
    """

    from traitlets import Dict as _Dict

    limits = _Dict(config=True, help="Limits fields for the kernel's sandbox")
    files = _Dict(config=True, help="file name in the sandbox's home -> file outside (bound read-only)")
    del _Dict

    _output: IO[bytes] | None = None  # the kernel's own stdout and stderr (a file outside the sandbox)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        base = "/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir()  # ipc paths must stay short
        self._socket_dir = tempfile.mkdtemp(prefix="crm-k-", dir=base)
        self._uid = sandbox_uid()
        prepare_socket_dir(self._socket_dir, self._uid)
        self.transport = "ipc"
        self.ip = os.path.join(self._socket_dir, "k")
        self.connection_file = os.path.join(self._socket_dir, "kernel.json")

    def write_connection_file(self, **kwargs: Any) -> None:
        super().write_connection_file(**kwargs)
        prepare_socket_dir(self.connection_file, self._uid)  # the kernel reads it as its own user

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        return sandbox_command(
            cmd, socket_dir=self._socket_dir, limits=Limits(**self.limits), files=dict(self.files), uid=self._uid
        )

    async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
        cmd, kw = await super()._async_pre_start_kernel(**kw)
        env = dict(kw.get("env") or {})
        env.pop("JPY_PARENT_PID", None)  # the kernel's parent is the sandbox's init; --die-with-parent covers it
        kw["env"] = env
        # The kernel's own stdout and stderr go to a file of the grader's (outside the sandbox), never to the
        # grading job's: the job's stderr is the log the grader reads a submission's limit reasons from, and a
        # kernel holding it could write, rewrite or truncate it.  The file is passed on, marked, at cleanup.
        if self._output is None:
            self._output = tempfile.TemporaryFile(prefix="crm-kout-")
        kw["stdout"] = kw["stderr"] = self._output.fileno()
        return cmd, kw

    @property
    def kernel_spec(self):
        spec = super().kernel_spec
        if spec is not None:
            spec.interrupt_mode = "message"
        return spec

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            self._pass_output_on()

    cleanup_resources = _async_cleanup_resources

    def _pass_output_on(self) -> None:
        """Write the tail of what the kernel printed itself to this process's stderr, each line marked."""
        output, self._output = self._output, None
        if output is None:
            return
        with output:
            size = output.seek(0, os.SEEK_END)
            output.seek(max(0, size - _KERNEL_OUTPUT_KEPT))
            text = output.read().decode("utf-8", errors="replace")
        lines = text.splitlines()
        if size > _KERNEL_OUTPUT_KEPT and lines:
            lines[0] = f"... ({size - _KERNEL_OUTPUT_KEPT} bytes before this cut)"
        if lines:
            sys.stderr.write("".join(KERNEL_PREFIX + line + "\n" for line in lines))
            sys.stderr.flush()


def job_lines(log: str) -> str:
    r"""``log`` without the lines a sandboxed kernel printed (:data:`KERNEL_PREFIX`): what the job itself wrote.

    >>> job_lines("nbgrader: done\n[sandboxed kernel] killed after 5 s\n")
    'nbgrader: done'
    """
    return "\n".join(line for line in log.splitlines() if not line.startswith(KERNEL_PREFIX))


class FreshHomeKernelManager(_kernel_manager_base()):  # type: ignore[misc]
    """The notebook kernel manager for unsandboxed grading: each kernel gets an empty home of its own.

    IPython startup files in the instructor's home do not run in it, and any it
    writes (``~/.ipython/profile_default/startup/``) land in that folder, removed after the kernel.
    """

    async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
        cmd, kw = await super()._async_pre_start_kernel(**kw)
        self._home = tempfile.mkdtemp(prefix="crm-home-")
        env = dict(kw.get("env") or os.environ)
        env.update(HOME=self._home, IPYTHONDIR=os.path.join(self._home, ".ipython"), USERPROFILE=self._home)
        env.pop("PYTHONSTARTUP", None)
        kw["env"] = env
        return cmd, kw

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart and getattr(self, "_home", None):
            shutil.rmtree(self._home, ignore_errors=True)

    cleanup_resources = _async_cleanup_resources


def limits_from(value: dict | None) -> Limits:
    """:class:`Limits` from a job's dict (missing fields take their defaults)."""
    return Limits(**(value or {}))


def limits_dict(limits: Limits) -> dict[str, int]:
    return asdict(limits)
