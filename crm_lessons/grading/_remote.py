"""Hidden tests run in the grader, on plain data from the student's kernel.

A graded test cell's code is executed here, in the trusted grading process,
in a namespace whose missing names are looked up in the student's kernel and
arrive as plain data (:mod:`crm_lessons.grading._export`); a function the
student wrote arrives as a :class:`RemoteCallable` that runs in the kernel on
plain-data arguments and returns plain data.  The expected values, the
checking helpers (``crm_lessons.exercises``) and the comparison never enter
the kernel: patched modules, lying objects and stack-frame reading there
have nothing to find.  nbgrader then scores the cell by the outputs recorded
here, as it would have by the kernel's.
"""

from __future__ import annotations

import builtins
import contextlib
import importlib
import io
import json
import stat
import sys
import time
import traceback
import warnings
from collections.abc import Callable
from typing import Any

from crm_lessons.grading._export import LIMIT, decode, encode

__all__ = ["KernelLink", "KernelNamespace", "RemoteCallable", "RemoteObject", "run_test_code"]

#: Modules the student's kernel may name for a value (``pd``, ``np``): the grader imports its own copy.
_MODULES = {
    "numpy",
    "pandas",
    "scipy",
    "sklearn",
    "matplotlib",
    "crm_lessons",
    "math",
    "statistics",
    "itertools",
    "collections",
    "functools",
    "datetime",
    "re",
    "random",
    "json",
    "operator",
    "decimal",
    "fractions",
    "string",
}


class StudentError(Exception):
    """An exception raised in the student's kernel while the grader asked it for a value."""


class KernelLink:
    """Requests to one kernel: ``ask(path)`` evaluates a path there and returns the decoded plain value.

    ``client`` is a started blocking kernel client (shell channel); ``interrupt``
    stops a request that runs past ``timeout`` seconds.
    """

    def __init__(
        self, client: Any, *, timeout: float, interrupt: Callable[[], None] | None = None, folder: str | None = None
    ):
        self.client, self.timeout, self.interrupt, self.folder = client, timeout, interrupt, folder

    def _file(self, name: Any) -> str:
        """A big answer the kernel wrote into the shared folder (a regular file, never a link), read and removed."""
        import os
        import re

        if not self.folder or not isinstance(name, str) or not re.fullmatch(r"[0-9a-f]{16}\.json", name):
            raise StudentError("the kernel's answer is not plain data")
        path = os.path.join(self.folder, name)
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            try:
                if not stat.S_ISREG(os.fstat(fd).st_mode) or os.fstat(fd).st_size > LIMIT:
                    raise StudentError("the kernel's answer is not plain data")
                with os.fdopen(fd, "rb", closefd=False) as f:
                    return f.read().decode("utf-8")
            finally:
                os.close(fd)
                os.unlink(path)
        except OSError as exc:
            raise StudentError("the kernel's answer is not plain data") from exc

    def raw(self, path: list) -> Any:
        request = json.dumps({"path": path, "out": self.folder})
        expr = f"__import__('crm_lessons.grading._export', fromlist=['serve']).serve({request!r})"
        msg_id = self.client.execute(
            "", silent=True, store_history=False, user_expressions={"r": expr}, allow_stdin=False
        )
        deadline = time.monotonic() + self.timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                if self.interrupt is not None:
                    self.interrupt()
                raise TimeoutError(f"the kernel did not answer within {self.timeout:g} s")
            try:
                reply = self.client.get_shell_msg(timeout=min(left, 1.0))
            except Exception:  # noqa: BLE001, S112 (queue.Empty: keep waiting until the deadline)  # noqa: S112
                continue
            if reply.get("parent_header", {}).get("msg_id") == msg_id:
                break
        content = reply.get("content", {})
        result = content.get("user_expressions", {}).get("r") if content.get("status") == "ok" else None
        if not isinstance(result, dict) or result.get("status") != "ok":
            raise StudentError("the kernel could not hand over the value")
        text = result.get("data", {}).get("text/plain", "")
        if not isinstance(text, str) or len(text) > 2 * LIMIT:
            raise StudentError("the kernel's answer is not plain data")
        import ast

        try:
            answer = json.loads(ast.literal_eval(text))
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as exc:
            raise StudentError("the kernel's answer is not plain data") from exc
        if isinstance(answer, dict) and "file" in answer:
            try:
                answer = json.loads(self._file(answer["file"]))
            except (ValueError, RecursionError) as exc:
                raise StudentError("the kernel's answer is not plain data") from exc
        if not isinstance(answer, dict):
            raise StudentError("the kernel's answer is not plain data")
        if "error" in answer:
            name, message = (list(answer["error"]) + ["", ""])[:2]
            if name == "NameError" and len(path) == 1:
                raise NameError(str(message)[:200])
            raise StudentError(f"{str(name)[:60]}: {str(message)[:300]}")
        return answer.get("ok")

    def ask(self, path: list) -> Any:
        try:
            return decode(self.raw(path), self._reference, path)
        except (NameError, StudentError, TimeoutError):
            raise
        except Exception as exc:  # malformed data from the kernel
            raise StudentError(f"the kernel's answer is not plain data ({type(exc).__name__})") from exc

    def _reference(self, tag: str, path: list, data: dict) -> Any:
        if tag == "checker":
            from crm_lessons.exercises import Checker

            return Checker(str(data.get("chapter", ""))[:20])
        if tag == "module":
            name = str(data.get("name", ""))
            if name.split(".")[0] in _MODULES:
                try:
                    return importlib.import_module(name)
                except ImportError:
                    pass
            return RemoteObject(self, path, "module")
        if tag == "callable":
            return RemoteCallable(self, path, str(data.get("type", ""))[:60])
        if tag == "ref":
            return RemoteObject(self, path, str(data.get("type", ""))[:60])
        raise StudentError("the kernel's answer is not plain data")


def _argument(value: Any) -> Any:
    """A grader value sent into the kernel as an argument: plain data, or a path to a value already there."""
    if isinstance(value, RemoteObject):
        return {"$": "path", "v": object.__getattribute__(value, "_path")}
    if isinstance(value, (list, tuple)) and any(isinstance(v, RemoteObject) for v in value):
        return {"$": type(value).__name__, "v": [_argument(v) for v in value]}
    return encode(value)


class RemoteObject:
    """A value that lives in the student's kernel; every use asks the kernel for plain data."""

    __slots__ = ("_link", "_path", "_type")

    def __init__(self, link: KernelLink, path: list, type_name: str):
        object.__setattr__(self, "_link", link)
        object.__setattr__(self, "_path", path)
        object.__setattr__(self, "_type", type_name)

    def _ask(self, *steps: list) -> Any:
        return object.__getattribute__(self, "_link").ask(object.__getattribute__(self, "_path") + list(steps))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._ask(["attr", name])

    def __getitem__(self, key: Any) -> Any:
        return self._ask(["item", _argument(key)])

    def __len__(self) -> int:
        return int.__int__(_exact(self._ask(["len"]), int))

    def __iter__(self):
        return iter(list(_exact(self._ask(["list"]), list)))

    def __float__(self) -> float:
        return float.__float__(_exact(self._ask(["float"]), float))

    def __int__(self) -> int:
        return int.__int__(_exact(self._ask(["int"]), int))

    def __index__(self) -> int:
        return int.__int__(_exact(self._ask(["index"]), int))

    def __str__(self) -> str:
        return str.__str__(_exact(self._ask(["str"]), str))

    def __bool__(self) -> bool:
        return bool(_exact(self._ask(["bool"]), bool))

    def __repr__(self) -> str:
        return f"<{object.__getattribute__(self, '_type') or 'object'} in the student's kernel>"

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("values in the student's kernel are read-only here")


class RemoteCallable(RemoteObject):
    """A function the student wrote: called in the kernel on plain-data arguments, returning plain data."""

    __slots__ = ()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._ask(["call", _argument(list(args)), encode({str(k): v for k, v in kwargs.items()})])


def _exact(value: Any, cls: type) -> Any:
    if cls is float and type(value) is int:
        return float(value)
    if type(value) is not cls:
        raise TypeError(f"the student's object gave a {type(value).__name__}, not a {cls.__name__}")
    return value


class KernelNamespace(dict):
    """Globals of a test cell run in the grader: a name the cell does not define comes from the kernel."""

    def __init__(self, link: KernelLink, names: dict[str, Any] | None = None):
        super().__init__(__builtins__=builtins, __name__="__main__")
        self._link = link
        self.update(names or {})  # the grader's own values (the roster id): the kernel is never asked for these

    def __missing__(self, name: str) -> Any:
        if name in builtins.__dict__ or name.startswith("__"):
            raise KeyError(name)
        try:
            value = self._link.ask([["name", name]])
        except NameError:
            raise KeyError(name) from None
        self[name] = value
        return value


def run_test_code(
    source: str, link: KernelLink, *, max_output: int = 100_000, names: dict[str, Any] | None = None
) -> list[dict]:
    """Run a test cell's code here against the kernel's values; its outputs as nbformat dicts.

    ``names`` are set by the grader before the cell runs (``STUDENT_ID``): the kernel is not asked for them.

    Printed text becomes a ``stream`` output; an exception an ``error`` output
    (what nbgrader scores zero), whatever raised it.
    """
    namespace = KernelNamespace(link, names)
    out, err = io.StringIO(), io.StringIO()
    error = None
    try:
        code = compile(source, "<test cell>", "exec")
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(code, namespace)  # noqa: S102 (the instructor's test code, run by the grader)
    except BaseException as exc:  # every failure of a test is an error output
        if isinstance(exc, KeyboardInterrupt):
            raise
        frames = [
            line
            for line in traceback.format_exception(type(exc), exc, exc.__traceback__)
            if "<test cell>" in line or not line.startswith("  File")
        ]
        error = {
            "output_type": "error",
            "ename": type(exc).__name__,
            "evalue": str(exc)[:2000],
            "traceback": [f[:2000] for f in frames[-10:]],
        }
    outputs: list[dict] = []
    if error is not None:
        outputs.append(error)
    for name, buf in (("stdout", out), ("stderr", err)):
        text = buf.getvalue()
        if text:
            if len(text) > max_output:
                text = text[:max_output] + "\n... (cut)\n"
            outputs.append({"output_type": "stream", "name": name, "text": text})
    sys.stdout.flush()
    return outputs
