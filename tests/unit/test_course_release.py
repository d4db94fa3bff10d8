"""``mlcicd course release``: what learners get, what they never get, and OUT kept safe.

Most tests build a tiny course in ``tmp_path`` (two lessons, exercise 98 from its
solution, a check module with a hidden region, and every instructor-only file the
release must leave out); one scans the real course's release in memory.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlcicd import cli
from mlcicd.course import notebook as n
from mlcicd.course import release_target
from mlcicd.course.build import build_course
from mlcicd.course.release import build_release, release_course, select_files
from mlcicd.course.release_learner import learner_pyproject, template
from mlcicd.course.release_target import MARKER
from mlcicd.course.release_verify import Answers, SolutionLine, load_answers, scan_files
from mlcicd.exceptions import CourseError, ReleaseLeakError

ROOT = Path(__file__).resolve().parents[2]

#: The one solution line of exercise 98 long enough to be an answer.
SECRET = "answer_times_two = x + x  # added to itself, which doubles it"
SOLUTION = f"""
def double(x):
    ### BEGIN SOLUTION Return twice x.
    {SECRET}
    return answer_times_two
    ### END SOLUTION
"""
HIDDEN_INPUT = "double(-7) == -14"
CHECKS = f'''"""Checks of exercise 98."""

from mlcicd.course.checkpoint import case, check, hidden_case


@check("98.1", points=2, needs=("double",), hint="Multiply by two.")
def doubles(double):
    with case("double(2)"):
        assert double(2) == 4
    # BEGIN HIDDEN CASES
    with hidden_case("negative numbers double too"):
        assert {HIDDEN_INPUT}
    # END HIDDEN CASES
'''
PYPROJECT = """[project]
name = "tiny"
version = "0.1.0"
dependencies = ["click>=8.1"]

[project.optional-dependencies]
iac = ["constructs>=10.3,<11"]
grade = ["tiny[iac]"]
dev = [
    # the instructor's tools
    "ruff>=0.17,<0.18",
]

[tool.ruff]
line-length = 100
"""
#: Files of the instructor's course that learners never get.
INSTRUCTOR_ONLY = (
    "solutions/98_doubling.ipynb",
    "tests/unit/test_hidden.py",
    "benchmarks/grade.py",
    "buildspecs/grading.yml",
    "docs/instructor-guide.md",
    ".github/workflows/grade.yml",
    "scripts/make_grading_buildspec.py",
)


def put(root: Path, path: str, text: str = "x\n") -> Path:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def lesson(title: str, *markdown: str) -> object:
    return n.new_notebook([n.markdown(f"# {title}"), *(n.markdown(m) for m in markdown)])


def tiny_course(root: Path) -> Path:
    """A course folder with lesson 00 and 98, exercise 98 built, and instructor-only files."""
    n.write(
        n.new_notebook(
            [n.markdown("# Doubling"), n.solution(SOLUTION), n.checkpoint_cell("98.1", 2)]
        ),
        root / "solutions" / "98_doubling.ipynb",
    )
    build_course(root)
    n.write(lesson("00 · Start", "Then [exercise 98](../exercises/98_doubling.ipynb)."),
            root / "notebooks" / "00_start.ipynb")  # fmt: skip
    n.write(lesson("98 · Doubling"), root / "notebooks" / "98_doubling.ipynb")
    put(root, "pyproject.toml", PYPROJECT)
    put(root, "src/mlcicd/__init__.py", '"""Toolkit."""\n')
    put(root, "src/mlcicd/course/checks/ex98.py", CHECKS)
    put(root, "src/mlcicd/__pycache__/cli.cpython-311.pyc", "cache")
    put(root, "src/churn/__init__.py", '"""Churn."""\n')
    put(root, "docs/data-schema.md", "# Schema\n")
    (root / "docs" / "images").mkdir(parents=True)
    (root / "docs" / "images" / "shot.png").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    put(root, "environment.yml", "name: tiny\n")
    put(root, "postBuild", "#!/usr/bin/env bash\nmlcicd --version\n").chmod(0o755)
    for path in INSTRUCTOR_ONLY[1:]:
        put(root, path, f"# instructor only: {HIDDEN_INPUT}\n")
    return root


@pytest.fixture
def course(tmp_path: Path, double_check: str) -> Path:
    return tiny_course(tmp_path / "course")


def released(out: Path) -> dict[str, str]:
    """Every file of a written release (the marker excluded), as text where it is text."""
    files = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        rel = path.relative_to(out).as_posix()
        if rel != MARKER:
            files[rel] = path.read_bytes().decode("utf-8", errors="replace")
    return files


# --- selection and transforms ------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "shipped"),
    [
        ("notebooks/00_start.ipynb", True),
        ("exercises/98_doubling.ipynb", True),
        ("exercises/manifest.json", True),
        ("src/mlcicd/course/checks/ex98.py", True),
        ("docs/images/shot.png", True),
        ("postBuild", True),
        ("src/mlcicd/__pycache__/cli.cpython-311.pyc", False),
        *((path, False) for path in INSTRUCTOR_ONLY),
    ],
)
def test_selection_takes_the_course_and_leaves_the_instructors_files(
    course: Path, path: str, shipped: bool
) -> None:
    assert (course / path).exists()
    assert (path in select_files(course)) is shipped


def test_the_check_modules_keep_their_public_cases_only(course: Path) -> None:
    module = build_release(course).files["src/mlcicd/course/checks/ex98.py"].decode()
    assert 'with case("double(2)")' in module
    assert HIDDEN_INPUT not in module
    assert "hidden_case(" not in module.replace("import case, check, hidden_case", "")
    assert "HIDDEN CASES" not in module


def test_the_release_gets_learner_files_and_no_dev_extra(course: Path) -> None:
    files = build_release(course).files
    project = tomllib.loads(files["pyproject.toml"].decode())
    assert set(project["project"]["optional-dependencies"]) == {"iac", "grade"}
    assert project["tool"]["ruff"]["line-length"] == 100
    readme = files["README.md"].decode()
    assert "[00 · Start](notebooks/00_start.ipynb)" in readme
    assert "[98_doubling](exercises/98_doubling.ipynb): 1 checkpoint, 2 points" in readme
    assert files["Makefile"] == template("Makefile").encode()
    assert "run: make test" in files[".github/workflows/checks.yml"].decode()


def test_the_release_records_the_courses_test_suite_for_the_lessons(course: Path) -> None:
    put(course, "tests/unit/test_double.py", "def test_a(): ...\n\n\ndef test_b(): ...\n")
    case = "<testcase classname='tests.unit.test_double' name='{}' time='{}'/>"
    report = case.format("a", 0.5) + case.format("b", 0.25)
    put(course, "build/reports/junit.xml", f"<testsuite>{report}</testsuite>")
    snapshot = json.loads(build_release(course).files["docs/test-layers.json"])
    assert snapshot["test_functions"]["unit"] == 2 and snapshot["test_functions"]["e2e"] == 0
    assert snapshot["run"] == {"unit": {"tests": 2, "failed": 0, "skipped": 0, "seconds": 0.75}}


@pytest.mark.parametrize("has_screenshot", [True, False])
def test_the_readme_shows_the_screenshot_only_when_the_course_has_it(
    course: Path, has_screenshot: bool
) -> None:
    if has_screenshot:
        put(course, "docs/images/jupyterlab_exercise.png", "png")
    release = build_release(course)
    readme = release.files["README.md"].decode()
    assert ("](docs/images/jupyterlab_exercise.png)" in readme) is has_screenshot
    assert "{{" not in readme and "\n\n\n" not in readme
    assert scan_files(release.files, load_answers(course)) == []


def test_a_pyproject_whose_dev_extra_cannot_be_cut_cleanly_is_refused() -> None:
    # The opening line ends like a closing one: cutting by lines would leave half the array.
    tangled = PYPROJECT.replace("dev = [\n", "dev = [  # tools [ruff]\n")
    assert (
        tangled != PYPROJECT and tomllib.loads(tangled)["project"]["optional-dependencies"]["dev"]
    )
    with pytest.raises(CourseError, match="could not remove the dev extra"):
        learner_pyproject(tangled)


def test_an_unbalanced_hidden_marker_names_the_check_module(course: Path) -> None:
    put(course, "src/mlcicd/course/checks/ex98.py", CHECKS.replace("    # END HIDDEN CASES\n", ""))
    with pytest.raises(CourseError, match=r"ex98\.py: line \d+: # BEGIN HIDDEN CASES is never"):
        build_release(course)


# --- the verify scan -----------------------------------------------------------------


def test_a_clean_release_has_no_leak(course: Path) -> None:
    assert scan_files(build_release(course).files, load_answers(course)) == []


@pytest.mark.parametrize(
    ("path", "text", "found"),
    [
        ("notebooks/extra.md", f"Psst: `{SECRET}`\n", "solution text from solutions/98_doubling"),
        ("src/mlcicd/helper.py", f"def f(x):\n    {SECRET}\n", "solution text"),
        ("src/mlcicd/extra.py", "with hidden_case('rule'):\n    pass\n", "a hidden_case(...) call"),
        ("src/mlcicd/extra.py", "x = 1\n# BEGIN HIDDEN CASES\n", "a hidden-region marker"),
        ("docs/notes.md", "# END HIDDEN CASES\n", "a hidden-region marker"),
        ("docs/notes.md", "[answers](../solutions/98_doubling.ipynb)\n", "a link to ../solutions"),
        ("tests/unit/test_x.py", "def test_x():\n    pass\n", "an instructor-only file"),
    ],
    ids=[
        "solution in text",
        "solution in code",
        "hidden call",
        "py marker",
        "md marker",
        "link to solutions",
        "instructor file",
    ],
)
def test_the_scan_finds_a_planted_leak_and_names_the_file(
    course: Path, path: str, text: str, found: str
) -> None:
    files = dict(build_release(course).files)
    files[path] = text.encode()
    leaks = scan_files(files, load_answers(course))
    assert [leak.path for leak in leaks] == [path]
    assert found in leaks[0].what


def test_a_solution_line_in_a_lesson_cell_is_named_by_cell(course: Path) -> None:
    n.write(lesson("98 · Doubling", "Intro", f"```python\n{SECRET}\n```"),
            course / "notebooks" / "98_doubling.ipynb")  # fmt: skip
    (leak,) = scan_files(build_release(course).files, load_answers(course))
    assert (leak.path, leak.where) == ("notebooks/98_doubling.ipynb", "cell 3")
    assert "solutions/98_doubling.ipynb cell 2" in leak.what and SECRET in leak.what


def test_the_toolkit_defining_hidden_case_is_not_a_leak() -> None:
    files = {
        f"src/mlcicd/course/{name}": (ROOT / "src/mlcicd/course" / name).read_bytes()
        for name in ("checkpoint.py", "hidden.py")
    }
    assert "hidden_case(" in files["src/mlcicd/course/hidden.py"].decode()
    assert scan_files(files, Answers(())) == []


def test_lines_the_exercise_gives_out_are_not_answers(tmp_path: Path, double_check: str) -> None:
    given = "helper_value = 'a line the exercise hands out on purpose'"
    body = SOLUTION.replace("def double(x):", f"{given}\n\ndef double(x):").replace(
        f"    {SECRET}", f"    {SECRET}\n    {given}"
    )
    n.write(n.new_notebook([n.solution(body), n.checkpoint_cell("98.1", 2)]),
            tmp_path / "solutions" / "98_doubling.ipynb")  # fmt: skip
    answers = [line.text for line in load_answers(tmp_path).lines]
    assert answers == [SECRET]


def test_an_allowed_line_is_allowed_in_its_file_only(course: Path) -> None:
    put(course, "solutions/release-allow.txt",
        f"# shared on purpose\nnotebooks/extra.md | {SECRET}\n")  # fmt: skip
    files = dict(build_release(course).files)
    files["notebooks/extra.md"] = files["docs/other.md"] = SECRET.encode()
    leaks = scan_files(files, load_answers(course))
    assert [leak.path for leak in leaks] == ["docs/other.md"]


def test_a_malformed_allow_file_names_its_line(course: Path) -> None:
    put(course, "solutions/release-allow.txt", "# fine\nnotebooks/extra.md has no separator\n")
    with pytest.raises(CourseError, match=r"release-allow\.txt: line 2: expected"):
        load_answers(course)


def test_the_real_courses_release_holds_no_answer() -> None:
    release = build_release(ROOT)
    assert not any(path.startswith(("solutions/", "tests/")) for path in release.files)
    leaks = scan_files(release.files, load_answers(ROOT))
    assert leaks == [], "\n".join(map(str, leaks))


def test_the_scan_checks_solution_lines_it_has(course: Path) -> None:
    # The scan is only as good as its list: exercise 98's one long line is in it.
    assert load_answers(course).lines == (
        SolutionLine(SECRET, "solutions/98_doubling.ipynb cell 2"),
    )


# --- writing, and OUT kept safe ------------------------------------------------------


def test_release_writes_the_folder_and_a_marker_listing_every_file(
    course: Path, tmp_path: Path
) -> None:
    out = tmp_path / "learners"
    report = release_course(course, out)
    files = released(out)
    assert sorted(files) == list(report.files)
    marker = json.loads((out / MARKER).read_text())
    assert marker["generated_by"] == "mlcicd course release"
    assert sorted(marker["files"]) == sorted(files)
    assert not any(SECRET in text or HIDDEN_INPUT in text for text in files.values())
    assert os.access(out / "postBuild", os.X_OK) and not os.access(out / "README.md", os.X_OK)
    assert report.size == sum((out / p).stat().st_size for p in files)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_an_existing_folder_is_refused_without_force(course: Path, tmp_path: Path) -> None:
    out = put(tmp_path, "out/mine.txt", "my work\n").parent
    with pytest.raises(CourseError, match=r"exists and is not empty.*--force"):
        release_course(course, out)
    assert [p.name for p in out.iterdir()] == ["mine.txt"]


def test_force_does_not_replace_a_folder_that_is_not_a_release(
    course: Path, tmp_path: Path
) -> None:
    out = put(tmp_path, "out/mine.txt", "my work\n").parent
    put(out, MARKER, '{"generated_by": "something else", "files": {}}')
    with pytest.raises(CourseError, match="is not a previous release"):
        release_course(course, out, force=True)
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "mine.txt"]


def test_force_replaces_a_previous_release_and_keeps_what_it_did_not_write(
    course: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    release_course(course, out)
    put(out, ".git/HEAD", "ref: refs/heads/main\n")
    put(out, "notes/todo.md", "mine\n")
    put(out, "exercises/98_doubling.ipynb", "{}")  # a learner's edit of a released file
    put(course, "docs/data-schema.md", "# Schema, version 2\n")
    (course / "docs" / "images" / "shot.png").unlink()  # dropped from the course
    report = release_course(course, out, force=True)
    assert report.kept == (".git", "notes")
    assert report.edited == ("exercises/98_doubling.ipynb",)
    assert (out / ".git/HEAD").read_text() == "ref: refs/heads/main\n"
    assert (out / "notes/todo.md").read_text() == "mine\n"
    assert (out / "docs/data-schema.md").read_text() == "# Schema, version 2\n"
    assert not (out / "docs/images").exists()
    assert n.read(out / "exercises/98_doubling.ipynb").cells  # the release's copy again
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_force_refuses_when_a_kept_file_is_where_the_release_writes(
    course: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    release_course(course, out)
    put(course, "docs/images/new.png", "png")
    put(out, "docs/images/new.png", "the learner's own")
    with pytest.raises(CourseError, match=r"docs/images/new\.png in it were not written"):
        release_course(course, out, force=True)
    assert (out / "docs/images/new.png").read_text() == "the learner's own"


@pytest.mark.parametrize(
    ("where", "message"),
    [
        (".", "is the course folder"),
        ("..", "is the course folder .* or holds it"),
        ("notebooks/release", "is inside notebooks/, which the release reads from"),
    ],
)
def test_the_course_folder_and_its_parents_are_never_a_target(
    course: Path, where: str, message: str
) -> None:
    before = sorted(p.relative_to(course.parent) for p in course.parent.rglob("*"))
    with pytest.raises(CourseError, match=message):
        release_course(course, course / where, force=True)
    assert sorted(p.relative_to(course.parent) for p in course.parent.rglob("*")) == before


def test_a_stale_build_is_refused(course: Path, tmp_path: Path) -> None:
    put(course, "exercises/98_doubling.ipynb", "{}")
    with pytest.raises(CourseError, match=r"exercises/ does not match.*mlcicd course build"):
        release_course(course, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_failing_write_leaves_the_previous_release_as_it_was(
    course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    release_course(course, out)
    put(out, ".git/HEAD", "kept\n")
    before = released(out)

    def half_then_fail(files: dict, executable: object, folder: Path) -> None:
        put(folder, "README.md", "half written")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(release_target, "write_tree", half_then_fail)
    with pytest.raises(CourseError, match=r"No space left on device.*left as it was"):
        release_course(course, out, force=True)
    assert released(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_failing_swap_puts_everything_back(
    course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    release_course(course, out)
    put(out, ".git/HEAD", "kept\n")
    before = released(out)
    rename = os.rename

    def fail_on_the_swap(src: object, dst: object) -> None:
        if Path(dst) == out and Path(src).name.startswith(".out.release-"):
            raise OSError(18, "Invalid cross-device link")
        rename(src, dst)

    monkeypatch.setattr(release_target.os, "rename", fail_on_the_swap)
    with pytest.raises(CourseError, match="cross-device"):
        release_course(course, out, force=True)
    assert released(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# --- the command line ----------------------------------------------------------------


def test_cli_release_prints_what_it_wrote(course: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli.main, ["course", "release", str(out), "--root", str(course)])
    assert result.exit_code == 0, result.output
    assert re.search(rf"Released the course into {re.escape(str(out))}: \d+ files", result.output)
    assert "<owner>/<repo>" in result.output


def test_cli_refuses_an_existing_folder_with_one_line_and_exit_2(
    course: Path, tmp_path: Path
) -> None:
    out = put(tmp_path, "out/mine.txt").parent
    result = CliRunner().invoke(cli.main, ["course", "release", str(out), "--root", str(course)])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert "exists and is not empty" in result.output


def test_cli_lists_every_leak_and_writes_nothing(course: Path, tmp_path: Path) -> None:
    put(course, "src/mlcicd/one.py", f"{SECRET}\n")
    put(course, "src/churn/two.py", f"x = 1\n{SECRET}\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli.main, ["course", "release", str(out), "--root", str(course)])
    assert result.exit_code == 2
    leaks = [line for line in result.output.splitlines() if line.startswith("leak: ")]
    assert leaks == [
        f"leak: src/churn/two.py (line 2): solution text from solutions/98_doubling.ipynb "
        f"cell 2: {SECRET!r}",
        f"leak: src/mlcicd/one.py (line 1): solution text from solutions/98_doubling.ipynb "
        f"cell 2: {SECRET!r}",
    ]
    assert "Error: " in result.output and "(and 1 more)" in result.output
    assert not out.exists()


def test_the_learner_set_up_commands_are_make_targets() -> None:
    readme = template("README.md.tmpl")
    block = re.search(r"```bash\n(.*?)```", readme, re.S)
    assert block is not None
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines()]
    targets = re.findall(r"^([A-Za-z.$()/_-]+):", template("Makefile"), re.M)
    assert [shlex.split(c) for c in commands] == [["make", "lab"], ["make", "test"]]
    assert {"lab", "test", "$(STAMP)"} <= set(targets)
    devcontainer = json.loads((ROOT / ".devcontainer/devcontainer.json").read_text())
    assert devcontainer["postCreateCommand"] == "make .venv/.mlcicd-installed"
    assert "STAMP := $(VENV)/.mlcicd-installed" in template("Makefile")


def test_a_release_error_is_a_course_error() -> None:
    error = ReleaseLeakError("leaks", leaks=("a", "b"))
    assert isinstance(error, CourseError) and error.exit_code == 2 and error.leaks == ("a", "b")
