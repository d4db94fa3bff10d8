"""The ``mlcicd`` command line: a thin layer over the library.

Each subcommand parses its arguments, calls one library function and prints.
Errors the toolkit raises on purpose (:class:`MlcicdError`) are printed as one
sentence on stderr with their exit code; no traceback reaches the user.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from mlcicd import __version__
from mlcicd.exceptions import MlcicdError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from mlcicd.lint import Finding
    from mlcicd.pipeline.model import Pipeline


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except MlcicdError as error:
            click.echo(f"Error: {error}", err=True)
            ctx.exit(error.exit_code)


def _report(findings: Sequence[Finding], output: str, subject: str) -> None:
    """Print findings the one way every lint command does; exit 1 when any is an error."""
    from mlcicd.lint import exit_code, render

    click.echo(render(findings, output=output, subject=subject))
    if exit_code(findings):
        raise SystemExit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mlcicd")
def main() -> None:
    """Toolkit of the course "CI/CD Test Automation for Machine Learning Workflows".

    Everything runs offline: AWS is simulated with moto.
    """
    # Before any command imports nbformat: 2 s saved on commands that often take 1 s.
    from mlcicd.startup import skip_unused_grammar

    skip_unused_grammar()


@main.command()
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Port to listen on [default: first free from 8888].",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; off loopback, Jupyter's token stays on.",
)
@click.option(
    "--browser/--no-browser", default=False, show_default=True, help="Open a browser tab."
)
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The course folder (holds notebooks/).",
)
def lab(port: int | None, host: str, browser: bool, root: Path) -> None:
    """Open the course in JupyterLab, at its start page."""
    from mlcicd.lab import plan_lab, run_lab

    launch = plan_lab(root, host=host, port=port, open_browser=browser)
    if launch.notice:
        click.echo(launch.notice)
    click.echo(f"JupyterLab on port {launch.port}: {launch.url}")
    click.echo("Stop it with Ctrl-C.")
    run_lab(launch)


@main.group()
def buildspec() -> None:
    """Build, lint and run AWS CodeBuild buildspecs locally."""


@buildspec.command("lint")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="One finding per line, or a JSON list of findings.",
)
def buildspec_lint(files: tuple[Path, ...], output: str) -> None:
    """Lint buildspec FILES; exit 1 when any finding is an error."""
    from mlcicd.buildspec.lint import lint_file

    findings = [finding for path in files for finding in lint_file(path)]
    _report(findings, output, subject=f"{len(files)} file(s)")


@buildspec.command("rules")
def buildspec_rules() -> None:
    """List the lint rules: code, severity, summary, an example and the docs it rests on."""
    from mlcicd.buildspec.lint import RULES

    click.echo(RULES.describe())


@buildspec.command("schema")
def buildspec_schema() -> None:
    """Print the buildspec's JSON Schema (draft 2020-12), made from the linter's shape.

    \b
    Editors with the YAML language server check and complete buildspecs with it:
      mlcicd buildspec schema > buildspec.schema.json
    then put this line at the top of buildspec.yml:
      # yaml-language-server: $schema=buildspec.schema.json
    The schema allows what lint finds no error in; lint checks more.
    """
    import json

    from mlcicd.buildspec.editor_schema import json_schema

    click.echo(json.dumps(json_schema(), indent=2))


def _variable(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> dict[str, str]:
    # --env NAME=VALUE, repeated, as a mapping; a later NAME wins, as in a shell.
    pairs = {}
    for value in values:
        name, equals, text = value.partition("=")
        if not equals or not name:
            raise click.BadParameter(f"{value!r} is not NAME=VALUE", ctx=ctx, param=param)
        pairs[name] = text
    return pairs


@buildspec.command("run")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--source",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The source directory; copied, never modified.",
)
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where builds go (build-<n>/src, build-<n>/artifacts) [default: a new temp dir].",
)
@click.option(
    "--env",
    "variables",
    multiple=True,
    callback=_variable,
    metavar="NAME=VALUE",
    help="A variable for the build, over the buildspec's; repeatable.",
)
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the result, shaped like batch-get-builds, to this file.",
)
@click.option("--force", is_flag=True, help="Run even when lint finds errors.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Build timeout in seconds (the build ends TIMED_OUT).",
)
def buildspec_run(
    file: Path,
    source: Path,
    workdir: Path | None,
    variables: dict[str, str],
    json_out: Path | None,
    force: bool,
    timeout: float | None,
) -> None:
    """Run buildspec FILE locally with CodeBuild's phase semantics; exit 0 when it SUCCEEDED."""
    import json

    from mlcicd.buildspec.lint import lint_file
    from mlcicd.buildspec.load import load, model_of, parse
    from mlcicd.buildspec.run import run_buildspec

    errors = [finding for finding in lint_file(file) if finding.severity == "error"]
    for finding in errors:
        click.echo(finding.format(), err=True)
    if errors and not force:
        click.echo(f"{len(errors)} lint error(s): not run (--force runs it anyway)", err=True)
        raise SystemExit(2)
    # load() refuses a file with lint errors; --force models it as it stands.
    spec = model_of(parse(file.read_bytes(), path=str(file))) if errors else load(file)
    result = run_buildspec(
        spec, source_dir=source, workdir=workdir, env=variables, build_timeout=timeout
    )
    if json_out is not None:
        json_out.write_text(json.dumps(result.to_dict(), indent=2) + "\n")
    raise SystemExit(0 if result.succeeded else 1)


@main.group()
def pipeline() -> None:
    """Declare, validate, simulate and draw AWS CodePipelines."""


def _first_pipeline(file: Path, verb: str) -> Pipeline:
    """Read FILE and return its first pipeline, saying so when it declares several."""
    from mlcicd.pipeline.io import read_pipelines

    pipelines = read_pipelines(file)
    key, chosen = next(iter(pipelines.items()))
    if len(pipelines) > 1:
        click.echo(
            f"{file} declares {len(pipelines)} pipelines ({', '.join(pipelines)}): {verb} {key}"
        )
    return chosen


@pipeline.command("draw")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The image to write: a .png or .svg file.",
)
@click.option(
    "--execution",
    "record",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Colour by status from get-pipeline-state JSON (as `pipeline run --json` writes).",
)
def pipeline_draw(file: Path, out: Path, record: Path | None) -> None:
    """Draw the pipeline in FILE as a PNG or SVG image; print the image's path.

    FILE is a declaration (bare or {"pipeline": ...}) or a CloudFormation template.
    """
    from mlcicd.exceptions import PipelineError
    from mlcicd.pipeline.draw import SAVE_FORMATS, draw_pipeline, read_execution, save

    # Checked first: a wrong suffix should not cost a drawing.
    if out.suffix.lower() not in SAVE_FORMATS:
        raise PipelineError(f"cannot draw into {out.name!r}: use a .png or .svg file")
    chosen = _first_pipeline(file, "drawing")
    state = read_execution(record) if record is not None else None
    try:
        save(draw_pipeline(chosen, execution=state), out)
    except OSError as error:
        raise PipelineError(f"cannot write the image: {error.strerror}", path=str(out)) from None
    click.echo(str(out))


@pipeline.command("run")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--outcomes",
    "outcomes_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help='JSON script: {"actions": {"Stage.Action": "Failed"}, "approvals": "reject", ...}.',
)
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write get-pipeline-state and get-pipeline-execution shaped JSON to this file.",
)
def pipeline_run(file: Path, outcomes_file: Path | None, json_out: Path | None) -> None:
    """Simulate one execution of the pipeline in FILE; exit 0 when it Succeeded, 1 when it Failed.

    FILE is a declaration (bare or {"pipeline": ...}) or a CloudFormation template.
    A file with validation errors is not run: its errors are printed, exit 2.
    """
    import json

    from mlcicd.exceptions import PipelineError
    from mlcicd.lint import render
    from mlcicd.pipeline.simulate import Scenario, load_outcomes, simulate
    from mlcicd.pipeline.validate import validate_file

    # CodePipeline would not create what validation rejects: simulating it anyway
    # would report an execution AWS can never have (an empty stage "Succeeds").
    errors = [finding for finding in validate_file(file) if finding.severity == "error"]
    if errors:
        click.echo(render(errors, subject=str(file)))
        raise PipelineError(
            f"not running a pipeline that validation rejects: {len(errors)} error(s) "
            f"above (`mlcicd pipeline validate {file}` lists warnings too)",
            path=str(file),
        )
    chosen = _first_pipeline(file, "running")
    scenario = load_outcomes(outcomes_file) if outcomes_file else Scenario(outcomes={})
    execution = simulate(
        chosen,
        outcomes=scenario.outcomes,
        approvals=scenario.approvals,
        blue_green=scenario.blue_green,
    )
    click.echo(execution.format())
    if json_out is not None:
        document = {"state": execution.to_dict(), "execution": execution.execution_dict()}
        json_out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    raise SystemExit(0 if execution.succeeded else 1)


@pipeline.command("validate")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="One finding per line, or a JSON list of findings.",
)
def pipeline_validate(file: Path, output: str) -> None:
    """Validate a pipeline declaration or CloudFormation template FILE; exit 1 on any error."""
    from mlcicd.pipeline.validate import validate_file

    _report(validate_file(file), output, subject=str(file))


@pipeline.command("rules")
def pipeline_rules() -> None:
    """List the validation rules: code, severity, summary and the docs each rests on."""
    from mlcicd.pipeline.validate import RULES

    click.echo(RULES.describe())


@main.group()
def iac() -> None:
    """Synthesize and lint the course's CDK stack (needs Node.js and the iac extra)."""


@iac.command("synth")
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("build/iac/MlCiCd.template.json"),
    show_default=True,
    help="The CloudFormation template to write (JSON).",
)
def iac_synth(out: Path) -> None:
    """Synthesize the ML CI/CD stack offline and write its template; print its path.

    `mlcicd pipeline validate` and `mlcicd pipeline draw` read the template.
    """
    from mlcicd.iac.synth import synthesize, write_template

    click.echo(str(write_template(synthesize(), out)))


@iac.command("lint")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def iac_lint(file: Path) -> None:
    """Run cfn-lint on the CloudFormation template FILE; exit 1 on any error (E rule)."""
    from mlcicd.iac.lint import lint_file

    _report(lint_file(file), "text", subject=str(file))


@main.group()
def course() -> None:
    """Build the exercises from the solutions, check and run the course's notebooks."""


_ROOT_OPTION = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The course folder (holds solutions/ and exercises/).",
)


@course.command("build")
@_ROOT_OPTION
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if exercises/ is stale.")
@click.option("--force", is_flag=True, help="Overwrite exercises edited since the last build.")
def course_build(root: Path, check: bool, force: bool) -> None:
    """Generate exercises/ (stubs, expected outputs, manifest.json) from solutions/."""
    from mlcicd.course.build import build_course

    report = build_course(root, check=check, force=force)
    what = f"{len(report.exercises)} exercises, {report.checkpoints} checkpoints"
    if report.up_to_date:
        click.echo(f"exercises/ is up to date ({what}).")
        return
    verb = ("stale", "to remove") if check else ("written", "removed")
    for path in report.changed:
        click.echo(f"{verb[0]}: {path}")
    for path in report.removed:
        click.echo(f"{verb[1]}: {path}")
    if check:
        click.echo(
            "exercises/ does not match solutions/: run `mlcicd course build` and commit the result."
        )
        raise SystemExit(1)
    click.echo(f"built {what}.")


@course.command("lint")
@_ROOT_OPTION
def course_lint(root: Path) -> None:
    """Check the course's notebooks: kernel, paths, outputs, checkpoints, lesson sections."""
    from mlcicd.course.lint import lint_notebooks

    _report(lint_notebooks(root), "text", subject=f"the notebooks under {root}")


@course.command("run")
@click.argument("folders", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "-o",
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("build/course"),
    show_default=True,
    help="Where the executed notebooks go (OUT/<folder>/<notebook>).",
)
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=2, show_default=True)
@click.option(
    "--timeout", type=click.IntRange(1), default=120, show_default=True, help="Seconds per cell."
)
def course_run(folders: tuple[Path, ...], out: Path, jobs: int, timeout: int) -> None:
    """Run every notebook in FOLDERS headless (offline) and print each one's time."""
    import time

    from mlcicd.course.execute import run_notebooks, summary

    notebooks = [nb for folder in folders for nb in sorted(folder.glob("*.ipynb"))]
    if not notebooks:
        click.echo(f"No notebooks in {', '.join(map(str, folders)) or '(no folder given)'} yet.")
        return
    start = time.perf_counter()
    runs = run_notebooks(notebooks, out, jobs=jobs, timeout=timeout)
    click.echo(summary(runs, time.perf_counter() - start))
    if not all(run.ok for run in runs):
        raise SystemExit(1)


@course.command("site")
@_ROOT_OPTION
@click.option(
    "--executed",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("build/course/notebooks"),
    show_default=True,
    help="The executed lessons (`make course LESSONS=notebooks` writes them).",
)
@click.option(
    "-o",
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("build/site"),
    show_default=True,
    help="The website's folder (replaced as a whole).",
)
@click.option("--solutions", is_flag=True, help="Also publish the solutions (left out by default).")
def course_site(root: Path, executed: Path, out: Path, solutions: bool) -> None:
    """Render the executed lessons and the exercises as a static website."""
    from mlcicd.course.site import build_site

    report = build_site(executed, root, out, solutions=solutions)
    counts = f"{report.count('notebooks')} lessons"
    if report.unexecuted:
        counts += f" ({len(report.unexecuted)} without outputs)"
    counts += f", {report.count('exercises')} exercises"
    if solutions:
        counts += f", {report.count('solutions')} solutions"
    for page in report.unexecuted:
        click.echo(f"without outputs: {page.page}: {page.note}")
    for link in report.dropped:
        click.echo(f"link shown as text: {link}")
    click.echo(f"Wrote {report.index} ({counts}).")
    if report.errors:
        for error in report.errors:
            click.echo(f"error output: {error}")
        click.echo(f"{len(report.errors)} cell(s) show an error: fix the lessons and run again.")
        raise SystemExit(1)


@course.command("agenda")
@_ROOT_OPTION
def course_agenda(root: Path) -> None:
    """Print the minutes per lesson and exercise and the workshop agendas (Markdown)."""
    from mlcicd.course.agenda import agenda_markdown

    click.echo(agenda_markdown(root))


@course.command("guide")
@_ROOT_OPTION
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if the guide is stale.")
def course_guide(root: Path, check: bool) -> None:
    """Rewrite the generated parts of docs/instructor-guide.md (agendas, common mistakes)."""
    from mlcicd.course.guide import update_guide

    current = update_guide(root, check=check)
    if check and not current:
        click.echo("docs/instructor-guide.md is stale: run `mlcicd course guide` and commit it.")
        raise SystemExit(1)
    click.echo(
        "docs/instructor-guide.md is up to date."
        if current
        else "Updated docs/instructor-guide.md."
    )


@course.command("release")
@click.argument("out", type=click.Path(path_type=Path))
@_ROOT_OPTION
@click.option("--force", is_flag=True,
              help="Replace a previous release at OUT (only the files it wrote).")  # fmt: skip
def course_release(out: Path, root: Path, force: bool) -> None:
    """Write the learner release into OUT: a folder to push as a starter repository.

    It holds the lessons, the exercises, the toolkit with public cases only, a
    learner README, Makefile and CI; no solutions, hidden cases or instructor
    files, and no answer text (a release that would hold one is refused and
    every finding listed). OUT must be new or empty; with --force it may be a
    previous release, whose files are replaced while anything else in OUT
    (e.g. .git/) is kept. Nothing is changed when the release fails.
    """
    from mlcicd.course.release import release_course
    from mlcicd.exceptions import ReleaseLeakError

    try:
        report = release_course(root, out, force=force)
    except ReleaseLeakError as error:
        for leak in error.leaks:
            click.echo(f"leak: {leak}", err=True)
        raise
    for line in report.summary():
        click.echo(line)


@course.command("collect")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--out",
    required=True,
    metavar="CLASS",
    type=click.Path(file_okay=False, path_type=Path),
    help="The class folder: CLASS/<learner>/<exercise>.ipynb, as `mlcicd grade` reads it.",
)
@click.option(
    "--manifest",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The exercise manifest [default: nearest exercises/manifest.json above the current "
    "folder, else above CLASS].",
)
@click.option(
    "--exercise",
    "exercises",
    multiple=True,
    metavar="NAME",
    help="An exercise every learner should have (repeatable) [default: each exercise any "
    "learner has]; notebooks of other exercises are ignored.",
)
@click.option(
    "--strip-prefix",
    metavar="PREFIX",
    help="Remove PREFIX from learner names, e.g. assignment- for GitHub Classroom.",
)
@click.option(
    "--force", is_flag=True, help="Replace notebooks in CLASS that differ from those collected."
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the collection report as JSON.",
)
def course_collect(
    sources: tuple[Path, ...],
    out: Path,
    manifest: Path | None,
    exercises: tuple[str, ...],
    strip_prefix: str | None,
    force: bool,
    json_path: Path | None,
) -> None:
    """Gather learners' notebooks from SOURCES into CLASS/<learner>/<exercise>.ipynb.

    SOURCES are folders of learner repositories or folders (one per learner,
    as GitHub Classroom clones them), one learner's folder, or .zip archives
    (of a class, or of one learner). Sources are only read, and CLASS is only
    added to. Problems (missing, duplicate, unrecognised files, unsafe archive
    entries, symbolic links) are listed one per line and the rest of the
    class is collected: the exit code is 0 when collection ran, 2 when it
    could not.
    """
    from mlcicd.course.collect import collect

    report = collect(
        list(sources),
        out,
        manifest=manifest,
        force=force,
        exercises=exercises,
        strip_prefix=strip_prefix,
    )
    for line in report.summary():
        click.echo(line)
    if json_path is not None:
        report.write_json(json_path)


@main.command("doctor")
@click.option("--grading", is_flag=True,
              help="Check a grading machine: Node.js and the AWS CDK (exercise 09) are "
                   "required, and the CDK is started once.")  # fmt: skip
@click.option("--root", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("."), show_default=True,
              help="The course folder (free disk is measured there).")  # fmt: skip
@click.option("--timeout", type=click.IntRange(1), default=60, show_default=True,
              help="Seconds a kernel or a child process may take.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def doctor(grading: bool, root: Path, timeout: int, as_json: bool) -> None:
    """Check this machine for the course; exit 1 when something is missing or fails.

    One line per check: Python, packages, Node.js and the CDK, free disk, a port
    for JupyterLab, the offline-AWS guard, and a Jupyter kernel. Lesson 09's needs
    are warnings, unless --grading.
    """
    import json

    from mlcicd.doctor import diagnose, report_lines

    results = diagnose(root, grading=grading, timeout=timeout)
    if as_json:
        click.echo(json.dumps([result.to_dict() for result in results], indent=2))
    else:
        click.echo("\n".join(report_lines(results)))
    if not all(result.ok for result in results):
        raise SystemExit(1)


@main.command("grade")
@click.argument("targets", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-n", "workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Submissions graded at the same time.")  # fmt: skip
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the results as JSON.")  # fmt: skip
@click.option("--junit", "junit_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write JUnit XML: one test case per checkpoint.")  # fmt: skip
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a gradebook: a row per submission, a column per checkpoint.")  # fmt: skip
@click.option("--timeout", type=click.IntRange(1), default=30, show_default=True,
              envvar="MLCICD_GRADE_TIMEOUT", show_envvar=True,
              help="Seconds one cell may run (a busy or slow machine may need more).")  # fmt: skip
@click.option("--memory", "memory_mb", type=click.IntRange(256), default=2048,
              show_default=True,
              help="Memory cap of each kernel and what it starts, in MiB (resident, where a "
                   "cgroup can be made).")  # fmt: skip
@click.option("--budget", type=click.IntRange(10), default=600, show_default=True,
              help="Seconds one submission may take, whatever its number of cells.")  # fmt: skip
@click.option("--require-sandbox", is_flag=True,
              help="Refuse to grade where no bubblewrap sandbox can be made.")  # fmt: skip
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path),
              help="The exercise manifest [default: nearest exercises/manifest.json].")  # fmt: skip
@click.option("--exercise", help="The exercise every submission must be, e.g. 02_unit_tests.")
@click.option("--shard", "shard_spec", metavar="K/N",
              help="Grade only shard K of N (for parallel CI builds).")  # fmt: skip
@click.option("--fail-under", type=float, default=None,
              help="Exit 1 when a submission scores below this percentage.")  # fmt: skip
@click.option("--feedback", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Write one HTML feedback page per learner: DIR/<learner>.html.")  # fmt: skip
@click.option("--gradebook", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Merge into a CSV gradebook: a row per learner and exercise.")  # fmt: skip
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write the class view (HTML): scores, pass rate per checkpoint.")  # fmt: skip
def grade_command(
    targets: tuple[Path, ...],
    workers: int,
    json_path: Path | None,
    junit_path: Path | None,
    csv_path: Path | None,
    timeout: int,
    memory_mb: int,
    budget: int,
    require_sandbox: bool,
    manifest: Path | None,
    exercise: str | None,
    shard_spec: str | None,
    fail_under: float | None,
    feedback: Path | None,
    gradebook: Path | None,
    report: Path | None,
) -> None:
    """Grade exercise notebooks with nbval: points per checkpoint, and a gradebook.

    TARGETS are notebooks, or folders of submissions (one notebook per learner,
    or one folder per learner). Each kernel runs in its own bubblewrap sandbox
    where the machine allows it; the output says which isolation was in force.
    The exit code is 0 when grading ran, whatever the scores, and 2 when it
    could not; with --fail-under, 1 when a submission
    scored below that percentage or could not be graded. --gradebook keeps what
    an earlier run and the instructor wrote there, and a file that is not a
    gradebook is refused before grading starts.
    """
    from mlcicd.grade.api import grade_paths
    from mlcicd.grade.outputs import check_class_outputs, write_class_outputs
    from mlcicd.grade.report import table, write_reports

    check_class_outputs(feedback=feedback, gradebook=gradebook, report=report)
    results = grade_paths(
        list(targets),
        manifest=manifest,
        workers=workers,
        timeout=timeout,
        memory_mb=memory_mb,
        budget=budget,
        require_sandbox=require_sandbox,
        exercise=exercise,
        shard_spec=shard_spec,
    )
    click.echo(table(results))
    write_reports(results, json_path=json_path, junit_path=junit_path, csv_path=csv_path)
    for line in write_class_outputs(
        results,
        feedback=feedback,
        gradebook=gradebook,
        report=report,
        manifest=manifest,
        start=targets[0],
    ):
        click.echo(line)
    if fail_under is not None and any(
        not r.graded or 100 * r.score < fail_under * r.max_score for r in results
    ):
        click.echo(f"Some submissions scored below {fail_under:g}%.")
        raise SystemExit(1)
