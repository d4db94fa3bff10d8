"""Outside verdicts: run a checkpoint's check in the grader, the learner's objects in the kernel.

The kernel may compute; it must not judge. After nbval has run a checkpoint
cell, :func:`outside_verdict` runs the same check (hidden cases included) in
the grader's own process. Each object the check needs from the notebook is a
:class:`RemoteObject`: calling it pickles the arguments *into* the kernel,
where the learner's code runs (:mod:`mlcicd.grade.agent`), and the result
comes back as JSON-safe data, decoded strictly (:mod:`mlcicd.grade.wire`) and
compared here. Nothing from the kernel is unpickled or evaluated.

Checks that read AWS side effects keep using moto in this process; a kernel
given a client talks to the same moto backends through a moto server this
process starts (:class:`MotoEndpoint`), in the network namespace it shares
with the kernel and nothing else.
"""

from __future__ import annotations

import ast
import json
import os
import time
from collections.abc import Mapping
from queue import Empty
from typing import Any

from mlcicd.course.checkpoint import evaluate, get_check
from mlcicd.grade.wire import WireError, args_to_kernel, from_wire, raised_from_wire

#: The largest answer (JSON text) read from the kernel.
ANSWER_LIMIT = 32 * 2**20


class KernelGone(Exception):
    """The kernel did not answer in time, or answered with something that is no answer."""


class MotoEndpoint:
    """A moto server in this process, started on first use, sharing ``mock_aws``'s backends."""

    def __init__(self) -> None:
        self._server: Any = None
        self.url: str | None = None

    def start(self) -> str:
        """Start the server (once) and return its URL."""
        if self.url is None:
            from moto.server import ThreadedMotoServer

            self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
            self._server.start()
            host, port = self._server.get_host_and_port()
            self.url = f"http://{host}:{port}"
        return self.url

    def stop(self) -> None:
        """Stop the server if it runs."""
        if self._server is not None:
            self._server.stop()
            self._server, self.url = None, None


class KernelLink:
    """Requests to one learner kernel through nbval's Jupyter client.

    Args:
        client: The kernel's ``jupyter_client`` client (nbval's).
        interrupt: Interrupts the kernel (a call that ran past ``timeout``).
        timeout: Seconds one request may take.
        moto: Where kernels reach moto, when a check hands them an AWS client.
    """

    def __init__(self, client: Any, interrupt: Any, timeout: float, moto: MotoEndpoint) -> None:
        self.client, self.interrupt, self.timeout, self.moto = client, interrupt, timeout, moto
        self.baseline = dict(os.environ)

    def environment(self) -> dict[str, str | None]:
        """What a check changed in the environment since the link was made (None: unset).

        A check sets a Lambda's settings with ``support.environ`` around a call; the
        learner's code reads them in the kernel, so each call carries them there.
        """
        now = dict(os.environ)
        changed: dict[str, str | None] = {k: v for k, v in now.items() if self.baseline.get(k) != v}
        changed |= {k: None for k in self.baseline if k not in now}
        return changed

    def request(self, **data: Any) -> Any:
        """Send one request; return the decoded value or raise what the learner's code raised.

        Raises:
            KernelGone: No answer in time, or not an answer.
            NameError: ``get`` of a variable the notebook does not define.
        """
        text = self._ask(json.dumps(data))
        try:
            answer = json.loads(text)
            if not isinstance(answer, dict) or len(answer) != 1:
                raise WireError("an answer is an object with one key")
            if "missing" in answer:
                raise NameError(str(answer["missing"]))
            if "raised" in answer:
                raise raised_from_wire(answer["raised"])
            return from_wire(answer["value"], lambda n, t: RemoteObject(self, n, t))
        except (WireError, KeyError, ValueError, TypeError) as error:
            if getattr(error, "remote_type", None):
                raise  # the learner's own exception, rebuilt
            raise KernelGone(f"the kernel's answer was not plain data ({error})") from None

    def _ask(self, request: str) -> str:
        expression = f"__import__('mlcicd.grade.agent').grade.agent.answer({request!r})"
        msg_id = self.client.execute(
            "", silent=True, store_history=False, user_expressions={"r": expression},
            allow_stdin=False,
        )  # fmt: skip
        deadline = time.monotonic() + self.timeout
        while True:
            left = deadline - time.monotonic()
            try:
                if left <= 0:
                    raise Empty
                reply = self.client.get_shell_msg(timeout=left)
            except Empty:
                self.interrupt()
                raise KernelGone(f"the kernel did not answer within {self.timeout:g} s") from None
            if reply.get("parent_header", {}).get("msg_id") == msg_id:
                break
        return _expression_text(reply.get("content", {}))


def _expression_text(content: Mapping[str, Any]) -> str:
    """The answer's JSON text from an execute reply's user expression, checked strictly."""
    result = (content.get("user_expressions") or {}).get("r") or {}
    if result.get("status") != "ok":
        raise KernelGone(f"the kernel did not evaluate the request ({result.get('ename', '?')})")
    literal = (result.get("data") or {}).get("text/plain", "")
    if not isinstance(literal, str) or len(literal) > ANSWER_LIMIT:
        raise KernelGone("the kernel's answer is missing or too large")
    try:
        text = ast.literal_eval(literal)  # a string literal only: nothing is evaluated
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise KernelGone("the kernel's answer is not a string") from None
    if not isinstance(text, str):
        raise KernelGone("the kernel's answer is not a string")
    return text


class RemoteObject:
    """A learner object that stays in the kernel; using it asks the kernel.

    Only calls, attributes, items, iteration and length are forwarded, and each
    answer comes back as data. Comparisons and truth are *not* forwarded: an
    object that claims to equal anything cannot pass a check that wants data.
    """

    __slots__ = ("_id", "_link", "_type")

    def __init__(self, link: KernelLink, number: int, kind: str) -> None:
        self._link, self._id, self._type = link, number, kind

    def _args(self, args: tuple, kwargs: Mapping[str, Any]) -> dict[str, Any]:
        link = self._link

        def handle_id(value: Any) -> int | None:
            if isinstance(value, RemoteObject) and value._link is link:
                return value._id
            return None

        from mlcicd.testing.guard import moto_is_active

        endpoint = link.moto.start() if moto_is_active() else None
        text = args_to_kernel(args, kwargs, handle_id=handle_id)
        return {"args": text, "endpoint": endpoint, "environ": link.environment()}

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._link.request(op="call", handle=self._id, **self._args(args, kwargs))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._link.request(op="getattr", handle=self._id, name=name)

    def __getitem__(self, key: Any) -> Any:
        return self._link.request(op="getitem", handle=self._id, **self._args((key,), {}))

    def __iter__(self) -> Any:
        items = self._link.request(op="iter", handle=self._id)
        if not isinstance(items, list):
            raise KernelGone("iterating gave no list")
        return iter(items)

    def __len__(self) -> int:
        size = self._link.request(op="len", handle=self._id)
        if type(size) is not int or size < 0:
            raise KernelGone("len() gave no count")
        return size

    def __repr__(self) -> str:
        return f"<the notebook's {self._type}>"


def outside_verdict(checkpoint_id: str, link: KernelLink) -> tuple[bool, str]:
    """Run checkpoint ``checkpoint_id``'s check here, on the kernel's objects.

    Returns:
        (passed, the checkpoint's one line), as :func:`mlcicd.course.checkpoint.evaluate`.
    """
    spec = get_check(checkpoint_id)
    namespace: dict[str, Any] = {}
    try:
        for name in spec.needs:
            try:
                namespace[name] = link.request(op="get", name=name)
            except NameError:
                continue  # evaluate() says which cell to run
    except KernelGone as gone:
        return False, f"Checkpoint {spec.id} failed (0/{spec.points} points): {gone}"
    except Exception as error:  # the learner's own exception, rebuilt
        return False, f"Checkpoint {spec.id} failed (0/{spec.points} points): {error}"
    return evaluate(checkpoint_id, namespace)
