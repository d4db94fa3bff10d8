"""Outside verdicts: the kernel's side answers with data, the grader's side trusts nothing else."""

from __future__ import annotations

import json
from collections.abc import Callable
from queue import Empty
from typing import Any

import pandas as pd
import pytest

from mlcicd.grade import agent
from mlcicd.grade.remote import KernelGone, KernelLink, MotoEndpoint, RemoteObject
from mlcicd.grade.wire import args_to_kernel


class FakeClient:
    """A Jupyter client whose kernel is this process: each request goes to ``agent.answer``.

    ``rig`` replaces the text the kernel would answer, as learner code could.
    """

    def __init__(self, rig: Callable[[str], Any] | None = None, silent: bool = False) -> None:
        self.rig, self.silent, self.replies, self.sent = rig, silent, [], []

    def execute(self, code: str, **kwargs: Any) -> str:
        expression = kwargs["user_expressions"]["r"]
        request = expression.split(".answer(", 1)[1][:-1]
        self.sent.append(request)
        text = agent.answer(eval(request))  # the test's own literal, written by KernelLink
        plain = repr(text) if self.rig is None else self.rig(text)
        content = {"user_expressions": {"r": {"status": "ok", "data": {"text/plain": plain}}}}
        self.replies.append({"parent_header": {"msg_id": "m1"}, "content": content})
        return "m1"

    def get_shell_msg(self, timeout: float) -> dict[str, Any]:
        if self.silent or not self.replies:
            raise Empty
        return self.replies.pop(0)


def link_to(client: FakeClient, interrupted: list[bool] | None = None) -> KernelLink:
    calls = interrupted if interrupted is not None else []
    return KernelLink(client, lambda: calls.append(True), 0.2, MotoEndpoint())


@pytest.fixture(autouse=True)
def namespace(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The notebook's variables, as the agent sees them."""
    variables: dict[str, Any] = {}
    monkeypatch.setattr(agent, "_namespace", lambda: variables)
    return variables


def test_a_learner_function_runs_in_the_kernel_and_its_result_comes_back_as_data(
    namespace: dict[str, Any],
) -> None:
    namespace["scale"] = lambda frame: frame * 2
    remote = link_to(FakeClient()).request(op="get", name="scale")
    assert isinstance(remote, RemoteObject)
    result = remote(pd.DataFrame({"x": [1, 2]}))
    pd.testing.assert_frame_equal(result, pd.DataFrame({"x": [2, 4]}))


def test_a_missing_variable_and_a_raised_error_come_back_as_such(
    namespace: dict[str, Any],
) -> None:
    link = link_to(FakeClient())
    with pytest.raises(NameError):
        link.request(op="get", name="absent")

    def stub() -> None:
        raise NotImplementedError

    namespace["stub"] = stub
    with pytest.raises(NotImplementedError):
        link.request(op="get", name="stub")()


@pytest.mark.parametrize(
    "rigged",
    [
        "__import__('os').system('true')",  # an expression, not a string literal
        "42",  # a literal, not a string
        repr("not json"),
        repr(json.dumps({"value": 1, "extra": 2})),  # not one key
        repr(json.dumps({"value": {"$handle": "x"}})),  # a malformed handle
        repr(json.dumps({"value": {"$dataclass": "os:PathLike", "fields": {}}})),
    ],
)
def test_an_answer_that_is_not_plain_data_is_no_answer(
    namespace: dict[str, Any], rigged: str
) -> None:
    namespace["f"] = len
    with pytest.raises(KernelGone):
        link_to(FakeClient(rig=lambda _: rigged)).request(op="get", name="f")


def test_a_kernel_that_does_not_answer_is_interrupted() -> None:
    interrupted: list[bool] = []
    link = link_to(FakeClient(silent=True), interrupted)
    with pytest.raises(KernelGone, match="did not answer"):
        link.request(op="get", name="f")
    assert interrupted == [True]


def test_comparisons_are_never_asked_of_the_kernel(namespace: dict[str, Any]) -> None:
    class Liar:
        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = object.__hash__

        def __bool__(self) -> bool:
            return True

    namespace["answer"] = Liar()
    client = FakeClient()
    remote = link_to(client).request(op="get", name="answer")
    sent = len(client.sent)
    assert remote != 0.5 and remote != [1, 2]
    assert len(client.sent) == sent  # neither == nor != reached the kernel


def test_a_check_sets_an_environment_variable_and_the_kernel_sees_it_during_the_call(
    namespace: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    namespace["read"] = lambda: os.environ.get("DATA_BUCKET")
    link = link_to(FakeClient())
    read = link.request(op="get", name="read")
    monkeypatch.setenv("DATA_BUCKET", "check-bucket")
    # Only what changed since the link was made travels (the agent runs in this process
    # here, so unset it first to see the agent set it).
    monkeypatch.delenv("DATA_BUCKET")
    monkeypatch.setattr(link, "environment", lambda: {"DATA_BUCKET": "check-bucket"})
    assert read() == "check-bucket"
    assert os.environ.get("DATA_BUCKET") is None


def test_arguments_go_into_the_kernel_by_pickle_only_from_the_checker() -> None:
    text = args_to_kernel((1,), {"k": "v"}, handle_id=lambda value: None)
    reply = agent.answer(json.dumps({"op": "call", "handle": 999, "args": text}))
    assert "raised" in json.loads(reply)  # no such handle: an answer, never a crash
