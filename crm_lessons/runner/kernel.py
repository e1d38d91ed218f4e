"""The kernel manager and client every notebook run of this package uses (papermill and nbgrader alike).

Part of the notebook runner (:mod:`crm_lessons.runner`), below the course site, the report
and :mod:`crm_lessons.grading`.  The classes live at module level so that a
configuration can name them (nbgrader's ``c.Execute.kernel_manager_class =
"crm_lessons.runner.kernel.NotebookKernelManager"``); this module imports pyzmq and
jupyter_client, so import it only where a kernel is started.
"""

from __future__ import annotations

from typing import Any

import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.manager import AsyncKernelManager
from traitlets import Type, default

__all__ = ["CURVE", "NotebookKernelClient", "NotebookKernelManager", "ShellChannel"]

#: Whether kernels get CurveZMQ transport encryption: pyzmq was built with it and
#: jupyter_client can provision the keys (its ``transport_encryption`` setting).
CURVE = bool(zmq.has("curve")) and "transport_encryption" in AsyncKernelManager.class_traits()


class ShellChannel(AsyncZMQSocketChannel):
    """jupyter_client's asyncio shell channel, made to notice a reply that arrives while it sends.

    nbclient waits for a cell's ``execute_reply`` by polling the shell socket through pyzmq's
    asyncio integration, which wakes on the socket's file descriptor.  That descriptor is
    edge-triggered: every libzmq call on the socket, a send included, consumes the pending
    wake-up, and pyzmq's asyncio socket looks again for readable messages only after the
    calls made through it.  jupyter_client's ``Session.send`` sends on a plain shadow of the
    socket instead, so when nbclient sends on the shell channel while it waits (its stand-in
    for a front end's Output widget echoes each captured output to the kernel as a
    ``comm_msg`` while the cell runs), a reply that arrived just before that send sits
    unread: the poll sleeps until the cell timeout, and only then reads it, without an error
    (jupyter/nbclient#312).  A notebook repeating the ``ipywidgets.Output`` cells of chapters
    2 and 7, run 60 times in two spawned workers, had 20 of its 720 such executions wait so
    (about 3 %; forked workers alike), and none of 720 after this change.  Reading the
    socket's ``EVENTS`` through the asyncio socket after each send makes pyzmq schedule the
    poll's wake-up when a message is waiting; one arriving later signals the descriptor anew.
    """

    def send(self, msg: dict[str, Any]) -> None:  # noqa: D102 (documented on the class)
        super().send(msg)
        if self.socket is not None:
            self.socket.get(zmq.EVENTS)  # pyzmq's asyncio socket re-arms a waiting poll here


class NotebookKernelClient(AsyncKernelClient):
    """jupyter_client's asyncio kernel client with :class:`ShellChannel` as its shell channel."""

    shell_channel_class = Type(ShellChannel)


class NotebookKernelManager(AsyncKernelManager):
    """The kernel manager for notebook runs: CurveZMQ where possible, clients that miss no reply.

    nbclient (under papermill and nbgrader) creates, owns and cleans up the manager as
    with its default one.  Two changes:

    - Its clients are :class:`NotebookKernelClient`, so that a cell displaying an
      ``ipywidgets.Output`` cannot stall the run (see :class:`ShellChannel`).
    - Kernels talk over TCP with CurveZMQ transport encryption: a kernel on TCP without
      encryption logs ipykernel's warning that its traffic "is susceptible to eavesdropping"
      on every run.  jupyter_client provisions the keys for a kernel whose kernelspec declares
      support (ipykernel's does) when ``transport_encryption`` is ``"auto"``.  Where pyzmq was
      built without CurveZMQ, or an older jupyter_client has no such setting (:data:`CURVE`
      false), kernels run as jupyter_client's default ones do.

    The kernel process writes its own output where the process that starts it does;
    ``crm_lessons.runner.execute_notebook`` sends it to a log file.

    Examples
    --------
    >>> manager = NotebookKernelManager()
    >>> manager.client().shell_channel_class is ShellChannel
    True
    >>> getattr(manager, "transport_encryption", "disabled") == ("auto" if CURVE else "disabled")
    True
    """

    @default("client_factory")
    def _notebook_client(self) -> type:
        return NotebookKernelClient

    if CURVE:

        @default("transport_encryption")
        def _encrypt_by_default(self) -> str:
            return "auto"
