"""``mlcicd doctor``: is this machine ready for the course, or for grading it?

Each check is a small function registered with :func:`check`. It looks at one
thing (the Python version, one package, Node.js, free disk, a port for
JupyterLab, the offline-AWS guard, a Jupyter kernel) and returns a
:class:`Verdict`: ok, warn, MISSING or FAIL, what it found, and how to fix it.
:func:`run_checks` runs a selection and never raises; :func:`diagnose` is what
the command runs, and :func:`report_lines` prints one line per check.

Two places run the checks. ``mlcicd doctor`` runs in a shell: it proves the
guard in a child process started the way ``make course`` starts kernels, and
starts a kernel. Lesson 00 (:func:`mlcicd.course.environment.environment_check`)
runs inside a kernel: it skips the port and the kernel start, and instead proves
the guard in the kernel itself. Lesson 09's needs (Node.js, the AWS CDK) are
warnings for a learner, who may skip that lesson, and failures with
``grading=True``: a grading machine must grade exercise 09.

Nothing here touches the network: the guard is proven with a call whose proxy is
a closed port on this machine, so even a broken guard could not send it anywhere.
"""

from __future__ import annotations

import enum
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

from mlcicd.course.checkpoint import INSTALL_GRADE
from mlcicd.exceptions import LabError
from mlcicd.iac.environment import IAC_MODULES, OLDEST_NODE, cdk_problem, node_version
from mlcicd.lab import choose_port
from mlcicd.testing.environment import DEFAULT_REGION, FAKE_CREDENTIALS, offline_environment
from mlcicd.testing.guard import PLUGIN_ENV, PLUGIN_SPEC

if TYPE_CHECKING:
    from jupyter_client.blocking.client import BlockingKernelClient

#: The oldest Python the course runs on.
OLDEST_PYTHON = (3, 11)
#: (import name, distribution name) of what the lessons, the checks and Jupyter import.
PACKAGES: tuple[tuple[str, str], ...] = (
    ("boto3", "boto3"),
    ("botocore", "botocore"),
    ("moto", "moto"),
    ("pytest", "pytest"),
    ("hypothesis", "hypothesis"),
    ("nbval", "nbval"),
    ("papermill", "papermill"),
    ("numpy", "numpy"),
    ("pandas", "pandas"),
    ("scipy", "scipy"),
    ("sklearn", "scikit-learn"),
    ("matplotlib", "matplotlib"),
    ("ipywidgets", "ipywidgets"),
    ("jsonschema", "jsonschema"),  # lesson 06; comes with JupyterLab
    ("ipykernel", "ipykernel"),
    ("churn", "mlcicd"),
)
#: The same for lesson 09 and exercise 09 (the ``iac`` extra).
CDK_PACKAGES: tuple[tuple[str, str], ...] = tuple(
    zip(IAC_MODULES, ("aws-cdk-lib", "constructs", "cfn-lint"), strict=True)
)
#: Free disk the course needs: a fresh `make lab` installs about 1.2 GB, the
#: AWS CDK unpacks 0.2 GB into build/jsii-cache, and lessons write under build/.
NEEDED_DISK_GB = 2.0
#: Seconds a kernel or a child process may take, unless the caller says otherwise.
DEFAULT_TIMEOUT = 60.0

_INSTALL = "run `make lab` in the course folder (it installs everything into .venv)"
_INSTALL_CDK = (
    "install Node.js 22 or 24, then run `make lab` again (it adds the CDK when node is "
    "on PATH), or `pip install -e '.[iac]'`"
)
# A proxy on a closed port of this machine: if the guard ever let the proof's
# call through, it would end here, refused, instead of reaching AWS.
_NOWHERE = "http://127.0.0.1:9"


class Status(enum.Enum):
    """How a check came out; MISSING and FAIL make ``mlcicd doctor`` exit 1."""

    OK = "ok"
    WARN = "warn"
    MISSING = "MISSING"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Verdict:
    """What one check found.

    Attributes:
        status: ok, warn, MISSING (something is not installed) or FAIL.
        detail: What was found, e.g. the version.
        fix: How to fix it; empty when nothing needs fixing.
    """

    status: Status
    detail: str
    fix: str = ""


@dataclass(frozen=True)
class Result:
    """One line of the report: what was checked (``name``) and the :class:`Verdict`'s fields."""

    name: str
    status: Status
    detail: str
    fix: str = ""

    @property
    def ok(self) -> bool:
        """Whether the course can go on: ok or warn."""
        return self.status in (Status.OK, Status.WARN)

    def to_dict(self) -> dict[str, object]:
        """The result as JSON-ready data (``mlcicd doctor --json``)."""
        return {
            "name": self.name,
            "status": self.status.value,
            "ok": self.ok,
            "detail": self.detail,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class Context:
    """What the checks are asked about.

    Attributes:
        root: The course folder (free disk is measured there).
        grading: Check a grading machine: lesson 09's needs are required.
        timeout: Seconds a kernel or child process may take.
    """

    root: Path
    grading: bool = False
    timeout: float = DEFAULT_TIMEOUT


@dataclass(frozen=True)
class Check:
    """A registered check.

    Attributes:
        name: The name its line shows.
        run: The function; takes the :class:`Context`, returns a :class:`Verdict`.
        shell: Part of ``mlcicd doctor``.
        kernel: Part of lesson 00's check, which runs inside a kernel.
        grading_only: Only with ``grading=True``.
    """

    name: str
    run: Callable[[Context], Verdict]
    shell: bool = True
    kernel: bool = True
    grading_only: bool = False


#: Every check, in the order the report shows them.
CHECKS: list[Check] = []


def check(
    name: str, *, shell: bool = True, kernel: bool = True, grading_only: bool = False
) -> Callable[[Callable[[Context], Verdict]], Callable[[Context], Verdict]]:
    """Register the decorated function as the check ``name`` (see :class:`Check`)."""

    def register(run: Callable[[Context], Verdict]) -> Callable[[Context], Verdict]:
        CHECKS.append(Check(name, run, shell, kernel, grading_only))
        return run

    return register


def _lesson_09(ctx: Context) -> Status:
    # A learner may skip lesson 09; a grading machine must grade exercise 09.
    return Status.MISSING if ctx.grading else Status.WARN


def _lesson_09_fix(ctx: Context, fix: str) -> str:
    return fix if ctx.grading else f"lesson 09 only; {fix[:1].lower()}{fix[1:]}"


@check("system")
def check_system(ctx: Context) -> Verdict:
    """Linux and macOS are supported; Windows through WSL2 only."""
    system, release = platform.system(), platform.release()
    if system == "Windows":
        return Verdict(
            Status.FAIL,
            f"Windows {release}, natively",
            "the course runs on Linux and macOS; on Windows, install WSL2 (`wsl --install`) "
            "and set the course up inside it (README: Supported systems)",
        )
    if system == "Linux" and "microsoft" in release.lower():
        return Verdict(Status.OK, f"Linux {release} (WSL2)")
    if system == "Darwin":
        return Verdict(Status.OK, f"macOS {platform.mac_ver()[0] or release}")
    if system == "Linux":
        return Verdict(Status.OK, f"Linux {release}")
    return Verdict(Status.WARN, f"{system} {release}", "untested: Linux and macOS are supported")


def python_version() -> tuple[int, int, int]:
    """The running Python's ``(major, minor, micro)``; a function, so tests can change it."""
    return sys.version_info.major, sys.version_info.minor, sys.version_info.micro


@check(f"Python {OLDEST_PYTHON[0]}.{OLDEST_PYTHON[1]}+")
def check_python(ctx: Context) -> Verdict:
    """The course needs Python 3.11 or newer."""
    found = python_version()
    shown = ".".join(map(str, found))
    if found[:2] >= OLDEST_PYTHON:
        return Verdict(Status.OK, shown)
    return Verdict(
        Status.FAIL,
        f"found {shown} ({sys.executable})",
        f"install Python 3.11 or newer, then {_INSTALL}",
    )


def _installed(module: str, distribution: str) -> str | None:
    """The version of ``distribution`` when ``module`` can be imported, else None."""
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a dotted name whose parent is missing
        found = False
    if not found:
        return None
    try:
        return version(distribution)
    except PackageNotFoundError:  # importable from a source folder, not installed
        return "found (no version)"


def check_package(module: str, distribution: str, ctx: Context) -> Verdict:
    """A package every lesson may import."""
    found = _installed(module, distribution)
    if found is None:
        return Verdict(Status.MISSING, f"cannot import {module}", _INSTALL)
    return Verdict(Status.OK, found)


def check_cdk_package(module: str, distribution: str, ctx: Context) -> Verdict:
    """A package of the AWS CDK (lesson 09): a warning unless grading."""
    found = _installed(module, distribution)
    if found is None:
        fix = INSTALL_GRADE if ctx.grading else _INSTALL_CDK
        return Verdict(_lesson_09(ctx), f"cannot import {module}", _lesson_09_fix(ctx, fix))
    return Verdict(Status.OK, found)


for _module, _distribution in PACKAGES:
    check(_distribution)(partial(check_package, _module, _distribution))
for _module, _distribution in CDK_PACKAGES:
    check(f"{_distribution} (lesson 09)")(partial(check_cdk_package, _module, _distribution))


@check("Node.js (lesson 09)")
def check_node(ctx: Context) -> Verdict:
    """Node.js, which the AWS CDK runs in: a warning unless grading."""
    found = node_version()
    if found is not None and found[0] >= OLDEST_NODE:
        return Verdict(Status.OK, ".".join(map(str, found)))
    detail = (
        "not found on PATH"
        if found is None
        else f"found {'.'.join(map(str, found))}, the CDK needs {OLDEST_NODE}+"
    )
    # cdk_problem's sentence is the one tests and lesson 09 print.
    return Verdict(_lesson_09(ctx), detail, _lesson_09_fix(ctx, cdk_problem() or _INSTALL_CDK))


def _child(argv: list[str], ctx: Context) -> float | str:
    """Run ``argv`` in the course folder; its seconds when it exits 0, else what went wrong.

    (In the course folder, so the CDK's cache lands in the course's ``build/``.)
    """
    start = time.perf_counter()
    try:
        ran = subprocess.run(
            argv, capture_output=True, text=True, timeout=ctx.timeout, check=False, cwd=ctx.root
        )
    except subprocess.TimeoutExpired:
        return f"no answer within {ctx.timeout:g} s"
    if ran.returncode != 0:
        last = (ran.stdout + ran.stderr).strip().splitlines()
        return last[-1] if last else f"exit status {ran.returncode}"
    return time.perf_counter() - start


_CDK_SMOKE = (
    "from mlcicd.iac.environment import require_cdk; require_cdk(); import aws_cdk; aws_cdk.App()"
)


@check("AWS CDK starts", kernel=False, grading_only=True)
def check_cdk_starts(ctx: Context) -> Verdict:
    """Start the CDK once (jsii in Node.js), as exercise 09's grading does."""
    if cdk_problem() is not None:
        # The Node.js and package lines above already say what to install.
        return Verdict(Status.MISSING, "not tried: Node.js or the CDK's packages are missing")
    ran = _child([sys.executable, "-c", _CDK_SMOKE], ctx)
    if isinstance(ran, str):
        return Verdict(Status.FAIL, ran, INSTALL_GRADE)
    return Verdict(Status.OK, f"jsii started aws-cdk-lib in {ran:.1f} s")


@check("disk space")
def check_disk(ctx: Context) -> Verdict:
    """Free disk where the course lives."""
    free = shutil.disk_usage(ctx.root).free / 1024**3
    detail = f"{free:.1f} GB free in {ctx.root.resolve()} (the course needs {NEEDED_DISK_GB:g} GB)"
    if free >= NEEDED_DISK_GB:
        return Verdict(Status.OK, detail)
    return Verdict(
        Status.FAIL,
        detail,
        "free up space, or put the course on another disk: the install takes about 1.2 GB, "
        "the AWS CDK's cache 0.2 GB, and lessons write their outputs under build/",
    )


@check("JupyterLab port", kernel=False)
def check_port(ctx: Context) -> Verdict:
    """A free port for ``mlcicd lab``, found exactly the way it finds one."""
    try:
        port, notice = choose_port("127.0.0.1", None)
    except LabError as error:
        return Verdict(Status.FAIL, "no free port", str(error))
    return Verdict(Status.OK, notice or f"{port} is free")


def guard_problem() -> str | None:
    """Make one AWS call the guard must stop; say what happened instead, or None.

    The call has fake credentials of its own (no credential lookup) and a proxy
    on a closed port of this machine (see :data:`_NOWHERE`), so nothing leaves
    the machine even when the guard is off.
    """
    import boto3
    from botocore.config import Config

    from mlcicd.exceptions import RealAWSCallError

    client = boto3.session.Session().client(
        "sts",
        region_name=DEFAULT_REGION,
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        config=Config(
            proxies={"http": _NOWHERE, "https": _NOWHERE},
            connect_timeout=2,
            read_timeout=2,
            retries={"total_max_attempts": 1},
        ),
    )
    try:
        client.get_caller_identity()
    except RealAWSCallError:
        return None
    except Exception as error:  # anything else means the guard did not stop it
        return f"the guard did not stop the call ({type(error).__name__})"
    return "the guard did not stop the call (it was answered: is moto active?)"


# Exits 0 when the call was stopped, else prints what happened and exits 1.
_GUARD_PROOF = "from mlcicd.doctor import guard_problem; raise SystemExit(guard_problem())"


@check("offline AWS guard", kernel=False)
def check_guard(ctx: Context) -> Verdict:
    """Prove the guard in a child started the way `make course` starts kernels."""
    argv = [sys.executable, "-m", "mlcicd.testing.environment", sys.executable, "-c"]
    ran = _child([*argv, _GUARD_PROOF], ctx)
    if isinstance(ran, str):
        return Verdict(
            Status.FAIL,
            ran,
            f"{_INSTALL}; the guard needs botocore 1.40 or newer (client plugins)",
        )
    return Verdict(Status.OK, "a real AWS call in the offline environment was stopped")


@check("offline AWS in this kernel", shell=False)
def check_kernel_offline(ctx: Context) -> Verdict:
    """This kernel has fake credentials and the guard, and the guard stops a call."""
    fake = os.environ.get("AWS_ACCESS_KEY_ID") == FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"]
    if not (fake and PLUGIN_SPEC in os.environ.get(PLUGIN_ENV, "")):
        return Verdict(
            Status.MISSING,
            "off",
            "start JupyterLab with `make lab`, or wrap AWS cells in "
            "`with mlcicd.testing.offline_aws():`",
        )
    problem = guard_problem()
    if problem is not None:
        return Verdict(Status.FAIL, problem, f"restart the kernel; if it stays, {_INSTALL}")
    return Verdict(Status.OK, "on: fake credentials, and a real AWS call was stopped")


@check("Jupyter kernel", kernel=False)
def check_kernel(ctx: Context) -> Verdict:
    """Start a python3 kernel (offline, as lessons run), run ``1+1``, shut it down."""
    from jupyter_client.kernelspec import NoSuchKernel
    from jupyter_client.manager import start_new_kernel

    start = time.perf_counter()
    env = offline_environment(os.environ, DEFAULT_REGION)
    try:
        manager, client = start_new_kernel(
            kernel_name="python3",
            startup_timeout=ctx.timeout,
            env=env,
            stdout=subprocess.DEVNULL,  # the kernel's start-up notes are not ours to show
            stderr=subprocess.DEVNULL,
        )
    except NoSuchKernel:
        return Verdict(Status.MISSING, "no python3 kernel", f"{_INSTALL} (it installs ipykernel)")
    except (RuntimeError, TimeoutError, OSError) as error:
        return Verdict(Status.FAIL, f"did not start: {error}", _INSTALL)
    try:
        answer = _evaluate(client, "1+1", ctx.timeout)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    if answer != "2":
        return Verdict(Status.FAIL, f"1+1 gave {answer!r}", f"restart the machine; then {_INSTALL}")
    return Verdict(Status.OK, f"python3 started and ran 1+1 in {time.perf_counter() - start:.1f} s")


def _evaluate(client: BlockingKernelClient, code: str, timeout: float) -> str:
    """Run ``code`` in a kernel; its result as text, or what went wrong."""
    results: list[str] = []

    def collect(message: dict) -> None:
        if message["msg_type"] == "execute_result":
            results.append(message["content"]["data"].get("text/plain", ""))

    try:
        client.execute_interactive(code, timeout=timeout, output_hook=collect)
    except TimeoutError:
        return f"no answer within {timeout:g} s"
    return results[0] if results else "no result"


@check("grading sandbox", kernel=False, grading_only=True)
def check_sandbox(ctx: Context) -> Verdict:
    """Can bubblewrap make a sandbox for each graded kernel here, and with which caps?

    A warning, not a failure, when it cannot: ``mlcicd grade`` still grades, and says
    in every result that learner code ran unsandboxed.
    """
    # Imported here: the grading modules are not needed by a learner's `mlcicd doctor`.
    from mlcicd.grade.kernel import ADDRESS_FLOOR_MB, DEFAULT_MEMORY_MB
    from mlcicd.grade.sandbox import isolation

    place = isolation()
    if not place.sandbox:
        return Verdict(
            Status.WARN,
            f"no sandbox can be made: {place.problem}",
            "until then `mlcicd grade` runs learner code with the grader's rights and says so "
            "in every result (`--require-sandbox` refuses to grade)",
        )
    memory = DEFAULT_MEMORY_MB if place.cgroup else max(DEFAULT_MEMORY_MB, ADDRESS_FLOOR_MB)
    return Verdict(Status.OK, place.sentence(memory))


def select(*, kernel: bool = False, grading: bool = False) -> list[Check]:
    """The checks for a shell (``mlcicd doctor``) or a kernel (lesson 00)."""
    return [
        item
        for item in CHECKS
        if (item.kernel if kernel else item.shell) and (grading or not item.grading_only)
    ]


def run_checks(checks: list[Check], ctx: Context) -> list[Result]:
    """Run ``checks`` in order; a check that crashes is a FAIL line, never a traceback."""
    results = []
    for item in checks:
        try:
            verdict = item.run(ctx)
        except Exception as error:  # one broken check must not hide the others
            verdict = Verdict(Status.FAIL, f"the check crashed: {type(error).__name__}: {error}")
        results.append(Result(item.name, verdict.status, verdict.detail, verdict.fix))
    return results


def diagnose(
    root: Path, *, grading: bool = False, timeout: float = DEFAULT_TIMEOUT
) -> list[Result]:
    """Run ``mlcicd doctor``'s checks on this machine for the course at ``root``."""
    return run_checks(select(grading=grading), Context(root, grading, timeout))


def report_lines(results: list[Result], *, then: str = "run `mlcicd doctor` again") -> list[str]:
    """One line per result (status, name, detail; fix), then a verdict.

    Args:
        results: What :func:`run_checks` returned.
        then: What to do after fixing the problems, ending the verdict's sentence.
    """
    width = max(len(result.name) for result in results)
    lines = []
    for result in results:
        said = f"{result.detail}; {result.fix}" if result.fix else result.detail
        lines.append(f"{result.status.value:7}  {result.name:<{width}}  {said}")
    failed = [result for result in results if not result.ok]
    warned = [result for result in results if result.status is Status.WARN]
    if failed:
        lines.append(
            f"{len(failed)} problem(s): follow the advice on the MISSING and FAIL lines, "
            f"then {then}."
        )
    elif warned:
        lines.append(
            "Everything the course needs is here; the warn lines say what some lessons also need."
        )
    else:
        lines.append("Everything the course needs is here.")
    return lines
