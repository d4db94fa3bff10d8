"""Ready-made buildspecs for the course: test, test in layers, notify, grade.

Each function returns a :class:`~mlcicd.buildspec.model.Buildspec` made with
:class:`~mlcicd.buildspec.build.BuildspecBuilder`; extend one with
``BuildspecBuilder(recipe(...))`` and write it with
:func:`mlcicd.buildspec.dump.dump`.

Every recipe that runs tests also *declares* the report it writes: pytest's
``--junitxml`` path and the ``reports`` group's ``base-directory`` and
``files`` are made from the same arguments, so they cannot drift apart (the
usual reason a CodeBuild project shows no test results).

Example:
    >>> spec = pytest_buildspec(test_path="tests/unit")
    >>> spec.phases["build"].commands
    ('pytest tests/unit --junitxml=reports/junit.xml',)
    >>> spec.reports["pytest-reports"].files
    ('junit.xml',)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from shlex import quote

from mlcicd.buildspec.build import VARIABLE_NAME, BuildspecBuilder
from mlcicd.buildspec.model import Batch, Buildspec
from mlcicd.exceptions import BuildspecError

#: The command that installs a project's dependencies.
PIP_INSTALL = "pip install -r requirements.txt"


def _pytest(test_path: str, report_dir: str, report_file: str) -> str:
    junit = f"{report_dir}/{report_file}"
    return f"pytest {quote(test_path)} --junitxml={quote(junit)}"


def _base(python: str, *install: str) -> BuildspecBuilder:
    return BuildspecBuilder().runtime(python=python).install(*install)


def pytest_buildspec(
    test_path: str = "tests", python: str = "3.12", report_dir: str = "reports"
) -> Buildspec:
    """Install the requirements, run pytest, and show its results in CodeBuild.

    The study guide's example, done right: pytest writes JUnit XML to
    ``<report_dir>/junit.xml``, and the ``pytest-reports`` group reads exactly
    that file (``file-format: JUNITXML``), so the console's *Reports* tab shows
    every test. A failing test fails the ``build`` phase, and the build.

    Args:
        test_path: What pytest runs (a folder, file or node id).
        python: The Python runtime version, as text (``"3.10"``, never ``3.10``).
        report_dir: Folder of the JUnit XML report, relative to the source root.

    Returns:
        The buildspec.
    """
    return (
        _base(python, PIP_INSTALL)
        .build(_pytest(test_path, report_dir, "junit.xml"))
        .report(
            "pytest-reports", files=["junit.xml"], base_directory=report_dir, file_format="JUNITXML"
        )
        .build_spec()
    )


def layered_buildspec(
    layers: Sequence[str] = ("unit", "integration", "e2e"),
    python: str = "3.12",
    test_root: str = "tests",
    report_dir: str = "reports",
) -> Buildspec:
    """Run the test pyramid one layer at a time, with one report group per layer.

    Each layer is its own command, ``pytest tests/<layer>
    --junitxml=reports/<layer>.xml``, and its own report group named after the
    layer, so the console lists unit, integration and end-to-end results
    separately. Layers run in the order given (cheapest first): the first
    failing layer stops the phase, and the later ones do not run.

    Args:
        layers: Folder names under ``test_root``, at most five (CodeBuild's
            limit on report groups).
        python: The Python runtime version, as text.
        test_root: The folder holding one folder per layer.
        report_dir: Folder of the JUnit XML reports.

    Returns:
        The buildspec.

    Raises:
        BuildspecError: No layers, a layer name that is not a simple folder name,
            or more than five layers.
    """
    if isinstance(layers, str) or not layers:
        raise BuildspecError("layers must be a sequence of folder names, e.g. ('unit', 'e2e')")
    builder = _base(python, PIP_INSTALL)
    for layer in layers:
        # The layer names a folder, a report file and a report group at once.
        if not (isinstance(layer, str) and re.fullmatch(r"[A-Za-z0-9_-]+", layer)):
            raise BuildspecError(f"layer {layer!r} must be a folder name (letters, digits, _ -)")
        builder = builder.build(_pytest(f"{test_root}/{layer}", report_dir, f"{layer}.xml"))
        builder = builder.report(
            layer, files=[f"{layer}.xml"], base_directory=report_dir, file_format="JUNITXML"
        )
    return builder.build_spec()


def _double_quoted(text: str) -> str:
    # Inside "..." the shell still expands $VARIABLES, which the message may use.
    return '"' + re.sub(r'(["\\`])', r"\\\1", text) + '"'


def sns_notify_buildspec(
    topic_arn_variable: str = "SNS_TOPIC_ARN",
    message: str = "Build $CODEBUILD_BUILD_ID failed, see $CODEBUILD_BUILD_URL",
    test_path: str = "tests",
    python: str = "3.12",
    report_dir: str = "reports",
) -> Buildspec:
    """The pytest recipe, plus an SNS message when the build fails.

    ``post_build`` runs even after a failed ``build`` phase, with
    ``CODEBUILD_BUILD_SUCCEEDING`` set to ``0``; it then publishes ``message``
    to the topic whose ARN is in the environment variable ``topic_arn_variable``
    (set it on the CodeBuild project, or add it with
    ``BuildspecBuilder(spec).variables(...)`` or ``.parameter_store(...)``).
    The service role needs ``sns:Publish`` on the topic.

    Args:
        topic_arn_variable: Name of the variable holding the topic's ARN.
        message: The message; ``$VARIABLES`` in it are expanded by the shell.
        test_path: What pytest runs.
        python: The Python runtime version, as text.
        report_dir: Folder of the JUnit XML report.

    Returns:
        The buildspec.

    Raises:
        BuildspecError: ``topic_arn_variable`` is not a shell variable name.
    """
    if not (isinstance(topic_arn_variable, str) and VARIABLE_NAME.fullmatch(topic_arn_variable)):
        raise BuildspecError(f"{topic_arn_variable!r} is not a shell variable name")
    notify = (
        'if [ "$CODEBUILD_BUILD_SUCCEEDING" = "0" ]; then '
        f'aws sns publish --topic-arn "${topic_arn_variable}" --message {_double_quoted(message)}; '
        "fi"
    )
    base = pytest_buildspec(test_path=test_path, python=python, report_dir=report_dir)
    return BuildspecBuilder(base).post_build(notify).build_spec()


#: The batch variable that tells each build of a sharded grading which shard it grades.
SHARD_VARIABLE = "SHARD"

#: Compiles the installed modules grading can import, on every core (see mlcicd.bytecode).
COMPILE_INSTALLED = "python -m mlcicd.bytecode"

#: Installs bubblewrap (``bwrap``), the sandbox ``mlcicd grade`` puts each submission in.
#: CodeBuild's curated ``aws/codebuild/standard`` images are Ubuntu and builds run as
#: root, so apt-get needs no sudo; an image's package lists may be stale or absent, hence
#: the update.
BUBBLEWRAP_INSTALL = ("apt-get update -q", "apt-get install -y -q bubblewrap")


def grading_buildspec(
    targets: str = "submissions",
    python: str = "3.12",
    report_dir: str = "reports",
    package: str = ".[grade]",
    *,
    nodejs: str | None = "22",
    shards: int = 1,
    workers: int = 1,
    gradebook: bool = False,
    sandbox: bool = True,
) -> Buildspec:
    """Grade submissions with ``mlcicd grade``, with the grades as a test report.

    Installs the course with everything its checks need (``pip install --no-compile
    '.[grade]'``, then :data:`COMPILE_INSTALLED` compiles what grading imports: each
    submission's kernel runs in a sandbox that cannot write bytecode;
    exercise 09's checks run the AWS CDK, so the build also asks
    for Node.js, which the curated images offer as the ``nodejs`` runtime; see
    "Available runtimes", https://docs.aws.amazon.com/codebuild/latest/userguide/available-runtimes.html),
    then runs
    ``mlcicd grade <targets> --junit <report_dir>/grades.xml --json
    <report_dir>/grades.json``. The ``grades`` report group shows one test per
    graded checkpoint; the JSON file (and the CSV gradebook, with ``gradebook``)
    is kept as the build's artifact.

    With ``sandbox`` the install phase first installs bubblewrap (Debian's
    ``bubblewrap`` package, :data:`BUBBLEWRAP_INSTALL`), so the grader can put
    each submission in its own sandbox. Whether bubblewrap can make namespaces
    inside CodeBuild's build container is not documented: the only switch AWS
    offers is the project's *privileged mode* ("Enable this flag if you want to
    build Docker images or want your builds to get elevated privileges", see
    "Create a build project (console)", Environment,
    https://docs.aws.amazon.com/codebuild/latest/userguide/create-project.html#create-project-console-environment,
    and ``privilegedMode`` in
    https://docs.aws.amazon.com/codebuild/latest/APIReference/API_ProjectEnvironment.html),
    which is documented for running Docker only. So the command does not pass
    ``--require-sandbox``: the grader falls back where bwrap fails, and its
    JSON, table and feedback say which sandbox was in force.

    With ``shards`` above 1 the buildspec declares a CodeBuild *batch build*:
    a ``build-matrix`` whose dynamic variable ``SHARD`` takes the values
    ``"1"`` to ``"<shards>"``, so CodeBuild starts one build per shard, in
    parallel. Each build grades ``--shard "$SHARD/<shards>"`` and names its
    reports after its shard (``grades-$SHARD.xml``, ...); the report group
    and the artifacts match them with ``grades-*`` patterns. Start the project
    as a batch build (``aws codebuild start-build-batch``): a plain build has
    no ``SHARD`` and ``mlcicd grade`` refuses the shard ``/N``.

    Args:
        targets: What to grade (a folder of submissions).
        python: The Python runtime version, as text.
        report_dir: Folder of the grade reports.
        package: What pip installs to get the ``mlcicd`` command (the course
            source root with its ``grade`` extra by default).
        nodejs: The Node.js runtime version for exercise 09's CDK checks; None
            leaves Node.js out (that exercise is then reported not gradable).
        shards: Builds the class is split across; 1 is one ordinary build.
        workers: Submissions each build grades at the same time (``-n``).
        gradebook: Also write the CSV gradebook (``--csv``) and keep it.
        sandbox: Install bubblewrap first (needs a Debian or Ubuntu image, such as
            ``aws/codebuild/standard``); False leaves it out, and the grader then
            reports that no sandbox was in force.

    Returns:
        The buildspec.

    Raises:
        BuildspecError: ``shards`` or ``workers`` is not a whole number of at least 1.
    """
    for name, value in (("shards", shards), ("workers", workers)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise BuildspecError(f"{name} must be a whole number of at least 1, not {value!r}")
    suffix = f"-${SHARD_VARIABLE}" if shards > 1 else ""
    # Paths naming $SHARD are double-quoted, so the shell still expands it.
    path = _double_quoted if shards > 1 else quote
    command = [f"mlcicd grade {quote(targets)}"]
    if shards > 1:
        command.append(f"--shard {_double_quoted(f'${SHARD_VARIABLE}/{shards}')}")
    if workers > 1:
        command.append(f"-n {workers}")
    command.append(f"--junit {path(f'{report_dir}/grades{suffix}.xml')}")
    command.append(f"--json {path(f'{report_dir}/grades{suffix}.json')}")
    kept = [f"{report_dir}/grades{'-*' if suffix else ''}.json"]
    if gradebook:
        command.append(f"--csv {path(f'{report_dir}/gradebook{suffix}.csv')}")
        kept.append(f"{report_dir}/gradebook{'-*' if suffix else ''}.csv")
    report_file = "grades-*.xml" if shards > 1 else "grades.xml"
    versions = {"python": python} | ({"nodejs": nodejs} if nodejs else {})
    system = BUBBLEWRAP_INSTALL if sandbox else ()
    spec = (
        BuildspecBuilder()
        .runtime(**versions)
        # Compiled after the install (mlcicd.bytecode), on every core and only what grading
        # can import: sandboxed kernels cannot write bytecode, so each of them would compile
        # pandas, boto3 and the rest again (one grading: 22 s against 12 s). pip compiles
        # everything one file at a time: 42 s of the 58 its install took on 2 cores.
        .install(*system, f"pip install --no-compile {quote(package)}", COMPILE_INSTALLED)
        .build(" ".join(command))
        .report("grades", files=[report_file], base_directory=report_dir, file_format="JUNITXML")
        .artifacts(files=kept)
        .build_spec()
    )
    if shards == 1:
        return spec
    values = [str(number) for number in range(1, shards + 1)]
    matrix = {"dynamic": {"env": {"variables": {SHARD_VARIABLE: values}}}}
    return replace(spec, batch=Batch(build_matrix=matrix))
