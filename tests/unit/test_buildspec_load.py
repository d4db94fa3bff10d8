"""Loading a buildspec into the model: what ``loads``/``load`` add to ``parse`` (tested in
test_buildspec_document.py): the lint errors, the model, values as CodeBuild sets them."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlcicd.buildspec.document import parse
from mlcicd.buildspec.load import load, loads, model_of
from mlcicd.exceptions import BuildspecError

SPEC = """\
version: 0.2
env:
  variables:
    DEBUG: yes
    PY: 3.10
phases:
  build:
    commands:
      - make
"""


def test_loads_returns_the_model_of_the_data() -> None:
    assert loads(SPEC) == model_of(parse(SPEC))


def test_load_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "buildspec.yml"
    path.write_text(SPEC, encoding="utf-8")
    assert load(path) == model_of(parse(SPEC))


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("true", "true"),
        ("False", "False"),
        ("yes", "yes"),
        ("3.10", "3.10"),
        ("010", "010"),
        ("'quoted'", "quoted"),
        ("", ""),
    ],
)
def test_variables_are_set_as_written_not_as_yaml_retyped_them(written: str, expected: str) -> None:
    # YAML 1.1 reads `true` as a boolean; the old model re-spelt it "yes" (issue 17).
    spec = loads(
        f"version: 0.2\nenv:\n  variables:\n    V: {written}\n" + SPEC[SPEC.index("phases") :]
    )
    assert spec.env is not None and spec.env.variables == {"V": expected}


def test_a_switch_stays_a_boolean() -> None:
    # Only variables are text by nature.
    spec = loads("version: 0.2\nenv:\n  git-credential-helper: yes\n" + BUILD_ONLY)
    assert spec.env is not None and spec.env.git_credential_helper is True


BUILD_ONLY = "phases:\n  build:\n    commands:\n      - make\n"


def test_loads_raises_the_first_error_and_counts_them() -> None:
    text = "version: 0.0\nphases:\n  biuld:\n    commands: [a]\n"
    with pytest.raises(BuildspecError) as caught:
        loads(text, path="b.yml")
    assert (caught.value.code, caught.value.line) == ("BS011", 1)
    assert "1 of 2 errors" in str(caught.value)


def test_load_of_a_missing_file_is_a_buildspec_error(tmp_path: Path) -> None:
    with pytest.raises(BuildspecError, match="cannot read"):
        load(tmp_path / "nope.yml")
