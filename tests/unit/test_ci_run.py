""".ci/run installs bubblewrap (the grader's sandbox) before `make test` when `bwrap` is missing.

The script really runs, with ``PATH`` holding only stand-ins: ``apt-get``,
``sudo``, ``id`` and ``make`` record what they were asked and do nothing else,
so nothing is installed and no test suite runs. ``id -u`` answers the uid each
case asks for, and ``bwrap`` is on ``PATH`` only when the case says so.
(Whether Chromium gets installed depends on this machine's /usr/bin/chromium,
which ``PATH`` cannot hide, so the Chromium lines are left out of the checks.)
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / ".ci" / "run"
BASH = shutil.which("bash") or "/bin/bash"

#: Stand-in tools. apt-get logs each call (with "sudo " when sudo ran it). With
#: STALE=<package>, installing that package fails until an update ran, as on an
#: image without package lists; with BROKEN=1 every install fails.
STAND_INS = {
    "apt-get": """#!/bin/sh
echo "${SUDOED:+sudo }apt-get $*" >> "$LOG"
if [ "$1" = update ]; then : > "$TOOLS/updated"; exit 0; fi
if [ -n "$BROKEN" ]; then exit 100; fi
if [ "$4" = "$STALE" ] && [ ! -e "$TOOLS/updated" ]; then exit 100; fi
exit 0
""",
    "sudo": '#!/bin/sh\nSUDOED=1 exec "$@"\n',
    "id": '#!/bin/sh\necho "$FAKE_UID"\n',
    "make": '#!/bin/sh\necho "make $*" >> "$LOG"\n',
    "date": "#!/bin/sh\necho 0\n",
}


def run_ci(tmp_path: Path, *, uid: int, bwrap: bool, **env: str) -> tuple[int, list[str], str]:
    """Run .ci/run with the stand-ins; return its exit code, the calls logged, and stdout."""
    tools = tmp_path / "tools"
    tools.mkdir()
    for name, text in STAND_INS.items():
        (tools / name).write_text(text, encoding="utf-8")
        (tools / name).chmod(0o755)
    dirname = shutil.which("dirname")
    assert dirname is not None
    (tools / "dirname").symlink_to(dirname)
    if bwrap:
        (tools / "bwrap").write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
        (tools / "bwrap").chmod(0o755)
    log = tmp_path / "calls.log"
    log.touch()
    environment = {"PATH": str(tools), "TOOLS": str(tools), "LOG": str(log)}
    environment |= {"FAKE_UID": str(uid), **env}
    result = subprocess.run(
        [BASH, str(SCRIPT)], env=environment, capture_output=True, text=True, timeout=30
    )
    calls = log.read_text(encoding="utf-8").splitlines()
    return result.returncode, [c for c in calls if not c.endswith(" chromium")], result.stdout


@pytest.mark.parametrize(
    ("uid", "bwrap", "env", "expected"),
    [
        pytest.param(0, False, {}, ["apt-get install -y -q bubblewrap"], id="root"),
        pytest.param(1001, False, {}, ["sudo apt-get install -y -q bubblewrap"], id="not-root"),
        pytest.param(
            0,
            False,
            {"STALE": "bubblewrap"},
            [
                "apt-get install -y -q bubblewrap",
                "apt-get update -q",
                "apt-get install -y -q bubblewrap",
            ],
            id="no-package-lists",
        ),
        pytest.param(0, True, {"STALE": "bubblewrap"}, [], id="already-there"),
    ],
)
def test_ci_installs_bubblewrap_when_bwrap_is_missing_then_runs_the_tests(
    tmp_path: Path, uid: int, bwrap: bool, env: dict[str, str], expected: list[str]
) -> None:
    code, calls, stdout = run_ci(tmp_path, uid=uid, bwrap=bwrap, **env)
    assert code == 0, stdout
    assert calls == [*expected, "make test"]
    assert ("installing bubblewrap" in stdout) is (not bwrap)


def test_ci_stops_before_the_tests_when_bubblewrap_cannot_be_installed(tmp_path: Path) -> None:
    code, calls, _ = run_ci(tmp_path, uid=0, bwrap=False, BROKEN="1")
    assert code != 0
    assert "make test" not in calls
    assert calls[-2:] == ["apt-get update -q", "apt-get install -y -q bubblewrap"]
