"""The sandbox a graded kernel runs in: bubblewrap's arguments, the cgroup caps, what is said."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from mlcicd.grade import sandbox
from mlcicd.grade.sandbox import Cgroup, Isolation, bwrap_arguments, hidden_folders

needs_bwrap = pytest.mark.skipif(
    not sandbox.isolation().sandbox, reason="bubblewrap cannot make a sandbox on this machine"
)


def option_values(args: list[str], option: str) -> list[str]:
    """Every value given to ``option`` (the next argument, or the next two for binds)."""
    return [args[i + 1] for i, a in enumerate(args) if a == option]


def test_the_sandbox_is_read_only_with_private_tmp_and_only_the_work_folder_writable(
    tmp_path: Path,
) -> None:
    args = bwrap_arguments(tmp_path / "work", [tmp_path / "class"], keep=(tmp_path / "k",))
    assert args[:5] == ["bwrap", "--ro-bind", "/", "/", "--dev"]
    assert option_values(args, "--bind") == [str(tmp_path / "work"), str(tmp_path / "k")]
    assert "/tmp" in option_values(args, "--tmpfs")
    assert str(tmp_path / "class") in option_values(args, "--tmpfs")
    for flag in ("--unshare-all", "--die-with-parent", "--new-session"):
        assert flag in args
    assert args[-1] == "--"
    assert option_values(args, "--chdir") == [str(tmp_path / "work")]
    if os.geteuid() == 0:
        assert option_values(args, "--cap-drop") == ["ALL"]


def test_a_venv_under_tmp_is_shown_again_read_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A venv made under /tmp (a CI runner's, a fresh clone's) must survive the private /tmp.
    # A fresh name: two runs at once (xdist, `make check` beside `make test`) never clash.
    venv = Path(tempfile.mkdtemp(prefix=f"{tmp_path.name}-", suffix="-venv", dir="/tmp"))
    try:
        monkeypatch.setattr(sys, "prefix", str(venv))
        monkeypatch.setattr(sys, "exec_prefix", str(venv))
        args = bwrap_arguments(tmp_path / "work", [])
    finally:
        venv.rmdir()
    bound = option_values(args, "--ro-bind")
    assert str(venv) in bound
    assert args.index(str(venv)) > args.index("/tmp")  # after the private /tmp is made
    assert bound == ["/", *(p for p in bound[1:] if p.startswith(("/tmp/", "/var/tmp/")))]


def test_learner_folders_are_hidden_unless_they_hold_what_the_kernel_needs(
    tmp_path: Path,
) -> None:
    course = tmp_path / "course"
    venv = course / ".venv"
    alice, bob = course / "class" / "alice", course / "class" / "bob"
    for folder in (venv, alice, bob):
        folder.mkdir(parents=True)
    hidden = hidden_folders([alice, bob, alice, course], protect=[venv])
    assert hidden == [alice.resolve(), bob.resolve()]


@pytest.mark.parametrize(
    ("isolation", "expected"),
    [
        (Isolation(False, "no bwrap"), "No sandbox: no bwrap"),
        (Isolation(True, cgroup="v1"), "2048 MiB resident memory and 256 processes (cgroup v1)"),
        (Isolation(True), "2048 MiB of address space only"),
    ],
)
def test_the_sentence_says_which_isolation_was_in_force(
    isolation: Isolation, expected: str
) -> None:
    sentence = isolation.sentence(2048)
    assert expected in sentence
    assert sentence.count(".") >= 1 and "\n" not in sentence


@needs_bwrap
def test_a_kernel_in_the_sandbox_cannot_write_outside_see_the_grader_or_keep_a_process(
    tmp_path: Path,
) -> None:
    work, secret = tmp_path / "work", tmp_path / "class"
    work.mkdir()
    secret.mkdir()
    (secret / "bob.ipynb").write_text("bob's work")
    script = (
        "import os, subprocess\n"
        f"print('SEES', sorted(os.listdir({str(secret)!r})))\n"
        f"open({str(work / 'ok')!r}, 'w').write('ok')\n"
        "for p in [%r, %r]:\n"
        "    try:\n"
        "        open(p, 'a').write('x'); print('WROTE', p)\n"
        "    except OSError: pass\n"
        "print('PIDS', sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))\n"
        f"subprocess.Popen(['sh', '-c', 'sleep 2; echo late > {work / 'late'}'], "
        "start_new_session=True)\n"
    ) % (str(secret / "bob.ipynb"), sys.executable)
    done = subprocess.run(
        [*bwrap_arguments(work, [secret]), sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    # Writing bob's path only made a file in the sandbox's private, empty copy.
    assert f"WROTE {sys.executable}" not in done.stdout
    assert "SEES []" in done.stdout
    pids = eval(done.stdout.split("PIDS", 1)[1].splitlines()[0])  # the test's own output
    assert max(pids) < 10  # its own PID namespace: the grader's processes are not there
    assert (work / "ok").read_text() == "ok"
    assert (secret / "bob.ipynb").read_text() == "bob's work"
    time.sleep(3)
    assert not (work / "late").exists()  # the detached process died with the sandbox


needs_cgroup = pytest.mark.skipif(
    not sandbox.isolation().cgroup, reason="no cgroup can be made on this machine"
)


@needs_cgroup
def test_the_cgroup_caps_resident_memory(tmp_path: Path) -> None:
    group = Cgroup.create(256)
    assert group is not None
    try:
        done = subprocess.run(
            [*group.enter(), sys.executable, "-c", "b = bytearray(600 * 2**20); print('kept')"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        group.remove()
    assert "kept" not in done.stdout
    assert done.returncode != 0
    assert not any(folder.exists() for folder in group.folders)


def test_no_bubblewrap_is_reported_with_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert "apt-get install bubblewrap" in sandbox._bwrap_works()
