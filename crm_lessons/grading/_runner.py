"""Runs nbgrader in a child process: ``python -m crm_lessons.grading._runner JOB.json``.

The grader starts one such process per submission (and one to prepare the
gradebook), so a submission that kills its kernel, loops forever or crashes
nbgrader ends only this process.  The job file names the course folder, the
gradebook URL and what to do; nothing about other students is in it.

Starting Python and importing nbgrader costs about 2 CPU-seconds, paid by
every submission.  :func:`run_job` therefore forks each job's process from a
*forkserver* (:func:`serve`, started by the grader when first needed), a process of
the grader that imported those modules once and then only forks: every job
still gets a process of its own, in its own session, started from the same
pristine state (the forkserver never runs a job, reads a submission or starts
a kernel), with the environment the grader gives it; its exit status comes
from a file it writes, so a job killed or a forkserver gone leaves the others
as they were.  When the forkserver cannot be used, the job starts as before
with ``python -m crm_lessons.grading._runner JOB.json``.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

#: Modules the forkserver imports before it forks: what a job imports anyway (nbgrader, nbconvert's HTML
#: exporter, the kernel machinery and the grading plugins named in nbgrader's configuration).
PRELOAD = (
    "nbgrader.apps",
    "nbgrader.coursedir",
    "nbgrader.api",
    "nbgrader.preprocessors",
    "nbgrader.converters",
    "nbconvert.exporters.html",
    "nbclient",
    "jupyter_client.manager",
    "jupyter_client.kernelspec",
    "crm_lessons.grading._config",
    "crm_lessons.grading._execute",
    "crm_lessons.grading._feedback",
    "crm_lessons.grading._remote",
    "crm_lessons.grading._sandbox",
    "crm_lessons.runner.kernel",
)


def main(argv: list[str]) -> int:
    from crm_lessons.runner import skip_slow_optional_imports

    skip_slow_optional_imports()  # this process imports nbgrader (and so nbformat) for one submission
    job = json.loads(open(argv[0], encoding="utf-8").read())
    # nbgrader creates gradebooks by calling the `alembic` command: make the venv's one findable
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    from crm_lessons.grading._config import nbgrader_config

    os.chdir(job["root"])
    config = nbgrader_config(
        job["root"],
        db_url=job["db_url"],
        timeout=job.get("timeout", 60),
        exchange=job.get("exchange"),
        kernel=job.get("kernel"),
        names=job.get("names"),
    )
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    results = []
    if job["action"] == "generate":
        for chapter in job["chapters"]:
            results.append(api.generate_assignment(chapter, force=True, create=True))
    elif job["action"] == "autograde":
        results.append(api.autograde(job["chapter"], job["student"], force=True, create=True))
        if results[-1]["success"]:
            results.append(api.generate_feedback(job["chapter"], job["student"], force=True))
    else:  # pragma: no cover
        raise ValueError(job["action"])
    for result in results:
        if not result["success"]:
            sys.stderr.write(result.get("log", "") + result.get("error", ""))
    return 0 if all(r["success"] for r in results) else 1


# -- the forkserver ------------------------------------------------------------------------------------------


def serve() -> None:
    """The forkserver's loop: per request line ``{"job", "cwd", "env", "folder"}`` on stdin, fork; reply the pid.

    The child leaves the forkserver's session and pipes (stdin ``/dev/null``,
    stdout and stderr to ``folder/out`` and ``folder/err``), takes the request's
    environment and working folder, runs :func:`main` and writes its exit
    status to ``folder/rc``.  Children are reaped here as they end (so their
    CPU time counts in the grader's, as a child process's does); the grader
    watches their pids.
    """
    import importlib
    import signal

    from crm_lessons.runner import skip_slow_optional_imports

    replies = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)  # nothing an import prints can corrupt the replies
    skip_slow_optional_imports()
    for name in PRELOAD:  # warning filters these imports set stay set, as in a fresh job process importing them
        try:
            importlib.import_module(name)
        except ImportError:  # pragma: no cover (the job then imports what it can, as before)
            pass
    if threading.active_count() != 1:  # forking a process with threads could copy a held lock: do not serve
        replies.write("threads\n")
        return
    signal.signal(signal.SIGCHLD, _reap)
    replies.write("ready\n")
    for line in sys.stdin:
        try:
            request = json.loads(line)
            pid = os.fork()
        except (ValueError, OSError) as exc:
            replies.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n")
            continue
        if pid == 0:  # pragma: no cover (runs in the child; the grading tests exercise it)
            _child(request)
        replies.write(json.dumps({"pid": pid}) + "\n")


def _reap(*_: object) -> None:
    """SIGCHLD: wait for every job process that ended."""
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _child(request: dict) -> None:
    """In the forked child: become a fresh job process and run the job; never returns."""
    import signal

    rc = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()
        folder = request["folder"]
        null = os.open(os.devnull, os.O_RDONLY)
        out = os.open(os.path.join(folder, "out"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        err = os.open(os.path.join(folder, "err"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        for fd, target in ((null, 0), (out, 1), (err, 2)):
            os.dup2(fd, target)
        os.closerange(3, 1 << 16)  # the forkserver's pipes and whatever else it held
        sys.stdin = open(0, encoding="utf-8", closefd=False)
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False)
        os.environ.clear()
        os.environ.update(request["env"])
        tempfile.tempdir = None  # chosen again from this environment, as in a fresh process
        os.chdir(request["cwd"])
        sys.argv = [__file__, request["job"]]
        rc = main([request["job"]])
    except SystemExit as exc:
        rc = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 (reported as a fresh process would, on stderr)
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
            rc_path = os.path.join(request["folder"], "rc")
            with open(rc_path + ".tmp", "w", encoding="utf-8") as f:
                f.write(str(rc))
            os.replace(rc_path + ".tmp", rc_path)
        finally:
            os._exit(rc if isinstance(rc, int) and 0 <= rc < 256 else 1)


class _Forkserver:
    """The grader's handle on its forkserver (one per grader process, started when first needed)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.proc: subprocess.Popen | None = None
        self.unusable = False  # it could not start here: every job then starts as a fresh process

    def _start(self) -> subprocess.Popen:
        code = "import sys\nif sys.path[:1] == ['']: del sys.path[0]\nfrom crm_lessons.grading._runner import serve\nserve()"
        proc = subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=Path(__file__).resolve().parent,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            text=True,
            bufsize=1,
        )
        assert proc.stdin is not None and proc.stdout is not None
        if proc.stdout.readline().strip() != "ready":  # an import failed, or a preloaded module started a thread
            proc.kill()
            proc.wait()
            proc.stdin.close()
            proc.stdout.close()
            raise OSError("the grading forkserver did not start")
        return proc

    def fork(self, request: dict) -> int:
        """The pid of a new job process for ``request`` (raises OSError when the forkserver cannot make one)."""
        with self.lock:
            for attempt in (1, 2):  # a forkserver gone (killed, crashed) is started again once
                if self.proc is not None and self.proc.poll() is not None:
                    self.stop()
                if self.proc is None:
                    if self.unusable:
                        raise OSError("no grading forkserver in this process")
                    try:
                        self.proc = self._start()
                    except OSError:
                        self.unusable = True
                        raise
                assert self.proc.stdin is not None and self.proc.stdout is not None
                try:
                    self.proc.stdin.write(json.dumps(request) + "\n")
                    self.proc.stdin.flush()
                    reply = json.loads(self.proc.stdout.readline() or "{}")
                except (OSError, ValueError):
                    reply = {}
                if "pid" in reply:
                    return int(reply["pid"])
                if "error" in reply or attempt == 2:
                    raise OSError(reply.get("error", "the grading forkserver stopped"))
                self.stop()
            raise AssertionError("unreachable")  # pragma: no cover

    def stop(self) -> None:
        """End the forkserver (its stdin closed, it leaves its loop) and close its pipes."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            proc.stdin.close()  # type: ignore[union-attr]
            proc.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
        proc.stdout.close()  # type: ignore[union-attr]


_FORKSERVER = _Forkserver()
atexit.register(_FORKSERVER.stop)


def run_job(job: dict, *, cwd: Path, wall_clock: float) -> subprocess.CompletedProcess:
    """Run ``job`` in a process of its own, killed (with its kernels) after ``wall_clock`` seconds.

    The result's ``returncode`` is the job's exit status (``-9`` when killed), ``stdout`` and
    ``stderr`` what it printed.
    """
    import psutil

    with tempfile.TemporaryDirectory(prefix="crm-job-") as tmp:
        job_file = Path(tmp) / "job.json"
        job_file.write_text(json.dumps(job), encoding="utf-8")
        env = dict(os.environ)  # main() puts the venv's `alembic` first on the job's PATH
        request = {"job": str(job_file), "cwd": str(cwd), "env": env, "folder": tmp}
        args = [sys.executable, "-m", "crm_lessons.grading._runner", str(job_file)]
        try:
            pid = _FORKSERVER.fork(request)
        except OSError:
            return _run_subprocess(args, cwd=cwd, env=env, wall_clock=wall_clock)
        killed = ""
        try:
            psutil.Process(pid).wait(wall_clock)
        except psutil.NoSuchProcess:
            pass
        except psutil.TimeoutExpired:
            _kill_tree(pid)
            killed = f"\nkilled after {wall_clock:.0f} s"
        folder = Path(tmp)

        def read(name: str) -> str:
            try:
                return (folder / name).read_bytes().decode(errors="replace")
            except OSError:
                return ""

        rc_text = read("rc").strip()
        returncode = -9 if killed else int(rc_text) if rc_text.lstrip("-").isdigit() else -1
        err = read("err") + killed
        if not killed and not rc_text:
            err += "\nthe grading process ended without an exit status (killed by a signal)"
        return subprocess.CompletedProcess(args, returncode, read("out"), err)


def _run_subprocess(args: list[str], *, cwd: Path, env: dict, wall_clock: float) -> subprocess.CompletedProcess:
    """The job in a fresh ``python -m crm_lessons.grading._runner`` process (no forkserver)."""
    proc = subprocess.Popen(
        args,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=wall_clock)
    except subprocess.TimeoutExpired:
        _kill_tree(proc.pid)
        out, err = proc.communicate()
        return subprocess.CompletedProcess(
            proc.args,
            -9,
            out.decode(errors="replace"),
            err.decode(errors="replace") + f"\nkilled after {wall_clock:.0f} s",
        )
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")
    )


def _kill_tree(pid: int) -> None:
    """Kill a process and every process it started (nbgrader's kernels run in their own sessions)."""
    import signal

    try:
        import psutil

        parent = psutil.Process(pid)
        procs = parent.children(recursive=True) + [parent]
        for p in procs:
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(procs, timeout=10)
    except ImportError:  # pragma: no cover (psutil comes with ipykernel)
        os.killpg(pid, signal.SIGKILL)
    except Exception:  # the process already ended
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
