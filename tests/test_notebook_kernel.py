"""The kernel client that runs notebooks: a reply that arrives while the client sends is still read.

A cell that displays an ``ipywidgets.Output`` made nbclient send on the shell channel
while it waited there for the cell's ``execute_reply``; jupyter_client sends through a
plain shadow of the asyncio socket, which consumed the wake-up of a reply that had just
arrived, and the run slept until the cell timeout (about 3 % of such cells in a stress
run of the course's widget cells).  These tests recreate that sequence with the real
pyzmq and jupyter_client, without a kernel, and check that every run (papermill and nbgrader) uses that client.
"""

from __future__ import annotations

import asyncio
import select
import time

import pytest
import zmq
import zmq.asyncio
from jupyter_client.session import Session

from crm_lessons.runner._execute import _kernel_manager_class


def _shell_channel_class():
    return _kernel_manager_class()().client().shell_channel_class


async def _reply_read_after_a_send_while_waiting(channel_class) -> bool:
    """True when a pending ``get_msg`` receives a reply that arrived just before the channel sent."""
    sync_ctx, async_ctx = zmq.Context(), zmq.asyncio.Context()
    kernel = sync_ctx.socket(zmq.ROUTER)  # stands in for the kernel's shell socket
    client = async_ctx.socket(zmq.DEALER)
    try:
        port = kernel.bind_to_random_port("tcp://127.0.0.1")
        client.connect(f"tcp://127.0.0.1:{port}")
        session = Session(key=b"test")
        channel = channel_class(client, session)
        channel.send(session.msg("execute_request", {"code": "w"}))
        ident, *_ = kernel.recv_multipart()

        waiting = asyncio.ensure_future(channel.get_msg(timeout=None))  # nbclient awaits the reply
        await asyncio.sleep(0.05)  # the poll now sleeps on the socket's file descriptor
        session.send(kernel, "execute_reply", {"status": "ok"}, ident=[ident])
        fd = client.getsockopt(zmq.FD)
        assert select.select([fd], [], [], 10)[0], "the reply never reached the client"
        time.sleep(0.005)  # past libzmq's command throttle; the event loop does not run meanwhile
        channel.send(session.msg("comm_msg", {"comm_id": "out", "data": {}}))  # the Output-widget echo
        try:
            reply = await asyncio.wait_for(waiting, 5)
        except asyncio.TimeoutError:
            return False
        return reply["msg_type"] == "execute_reply"
    finally:
        client.close(linger=0)
        kernel.close(linger=0)
        async_ctx.term()
        sync_ctx.term()


def test_reply_arriving_while_the_client_sends_is_read():
    assert asyncio.run(_reply_read_after_a_send_while_waiting(_shell_channel_class())), (
        "the execute_reply sat unread after a send on the shell channel: a widget cell would stall"
    )


def _assert_fixed(manager_class) -> None:
    """``manager_class`` makes clients with the shell channel above, and encrypts where it can."""
    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.channels import AsyncZMQSocketChannel

    manager = manager_class()
    client = manager.client()  # channels open lazily: no kernel, no socket
    assert isinstance(client, AsyncKernelClient)
    shell = client.shell_channel_class
    assert issubclass(shell, AsyncZMQSocketChannel) and shell is not AsyncZMQSocketChannel
    if zmq.has("curve") and manager.has_trait("transport_encryption"):
        assert manager.transport_encryption == "auto"


def test_notebook_clients_use_that_shell_channel(tmp_path):
    from crm_lessons.runner.kernel import NotebookKernelManager

    _assert_fixed(_kernel_manager_class())
    logging = _kernel_manager_class(tmp_path / "kernel.log")  # what execute_notebook uses
    assert issubclass(logging, NotebookKernelManager)
    _assert_fixed(logging)


def test_grading_configuration_names_that_kernel_manager(tmp_path):
    """nbgrader's execute preprocessor gets it from the course's configuration (test_grading checks a real run)."""
    pytest.importorskip("nbgrader", reason="the grading extra (nbgrader) is part of the test extra")
    from nbgrader.preprocessors import Execute
    from traitlets.config.loader import PyFileConfigLoader
    from traitlets.utils.importstring import import_item

    from crm_lessons.grading._config import config_file_text, nbgrader_config
    from crm_lessons.runner.kernel import NotebookKernelManager

    (tmp_path / "nbgrader_config.py").write_text(config_file_text(), encoding="utf-8")
    written = PyFileConfigLoader("nbgrader_config.py", path=str(tmp_path)).load_config()  # an instructor's own runs
    for config in (nbgrader_config(str(tmp_path), db_url="sqlite://"), written):  # crm-lessons grade's runner
        assert issubclass(import_item(config.Autograde.autograde_preprocessors[0]), Execute)
        assert import_item(config.Execute.kernel_manager_class) is NotebookKernelManager
    _assert_fixed(NotebookKernelManager)
