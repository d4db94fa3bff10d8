"""mlcicd.bytecode_store: compiled code kept by source content and written into each venv."""

from __future__ import annotations

import hashlib
import importlib.util
import marshal
import sys
import traceback
from pathlib import Path
from types import ModuleType

import pytest

from mlcicd.bytecode_store import ENV, compile_file, store_folder

SOURCE = "X = 1\n\ndef fail():\n    raise ValueError('here')\n"


def module_file(folder: Path, source: str = SOURCE, name: str = "mod.py") -> str:
    """``folder/name`` holding ``source``, as one venv's copy of a module."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(source, encoding="utf-8")
    return str(folder / name)


def load(path: str) -> ModuleType:
    """Import ``path`` as Python would, reading its ``.pyc`` when the header says it is current."""
    spec = importlib.util.spec_from_file_location(f"m{abs(hash(path))}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def stored(store: Path, source: str) -> Path:
    """Where the store keeps the code of ``source``."""
    data = importlib.util.MAGIC_NUMBER + b"%d" % sys.flags.optimize + source.encode()
    key = hashlib.sha256(data).hexdigest()
    return store / key[:2] / key[2:]


def plant(store: Path, source: str, code: str) -> None:
    """Keep the code of ``code`` in the store under ``source``: a pyc made from it shows."""
    stored(store, source).parent.mkdir(parents=True, exist_ok=True)
    stored(store, source).write_bytes(marshal.dumps(compile(code, "elsewhere.py", "exec")))


@pytest.fixture(autouse=True)
def _timestamps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


def test_a_module_is_compiled_and_its_code_kept(tmp_path: Path) -> None:
    path = module_file(tmp_path / "venv1")
    assert compile_file(path, tmp_path / "store")
    assert stored(tmp_path / "store", SOURCE).is_file()
    assert Path(importlib.util.cache_from_source(path)).is_file()
    assert load(path).X == 1


@pytest.mark.parametrize("epoch", [None, "1700000000"], ids=["timestamp", "checked-hash"])
def test_the_same_source_elsewhere_gets_the_kept_code_with_a_header_python_accepts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, epoch: str | None
) -> None:
    if epoch:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    path = module_file(tmp_path / "venv2")
    # Python would compile the source (X = 1) if it rejected the header: X = 2 shows
    # that the pyc was read, and that its code came from the store.
    plant(tmp_path / "store", SOURCE, "X = 2\n")
    assert compile_file(path, tmp_path / "store")
    assert load(path).X == 2


def test_a_reproducible_pyc_is_checked_against_its_source_when_it_is_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    path = module_file(tmp_path / "venv")
    plant(tmp_path / "store", SOURCE, "X = 2\n")
    assert compile_file(path, tmp_path / "store")
    Path(path).write_text(SOURCE.replace("X = 1", "X = 5"), encoding="utf-8")
    assert load(path).X == 5  # an unchecked pyc would still give 2


def test_a_traceback_names_the_modules_own_file_not_where_it_was_compiled(
    tmp_path: Path,
) -> None:
    first, second = module_file(tmp_path / "venv1"), module_file(tmp_path / "venv2")
    assert compile_file(first, tmp_path / "store")
    assert compile_file(second, tmp_path / "store")
    with pytest.raises(ValueError) as raised:
        load(second).fail()
    assert traceback.extract_tb(raised.value.__traceback__)[-1].filename == second


def test_another_source_is_not_served_the_kept_code(tmp_path: Path) -> None:
    plant(tmp_path / "store", SOURCE, "X = 2\n")
    path = module_file(tmp_path / "venv", SOURCE.replace("X = 1", "X = 3"))
    assert compile_file(path, tmp_path / "store")
    assert load(path).X == 3


def test_a_current_pyc_is_left_as_it_is(tmp_path: Path) -> None:
    path = module_file(tmp_path / "venv")
    assert compile_file(path, tmp_path / "store")
    pyc = Path(importlib.util.cache_from_source(path))
    before = pyc.stat().st_mtime_ns
    plant(tmp_path / "store", SOURCE, "X = 2\n")  # read only if the pyc were rewritten
    assert compile_file(path, tmp_path / "store")
    assert pyc.stat().st_mtime_ns == before and load(path).X == 1


def test_a_module_that_does_not_compile_is_reported_and_nothing_written(tmp_path: Path) -> None:
    path = module_file(tmp_path / "venv", "def broken(:\n")
    assert not compile_file(path, tmp_path / "store")
    assert not Path(importlib.util.cache_from_source(path)).exists()
    assert not (tmp_path / "store").exists()


def test_a_store_that_cannot_be_written_still_compiles_the_module(tmp_path: Path) -> None:
    (tmp_path / "store").write_text("a file, not a folder")
    path = module_file(tmp_path / "venv")
    assert compile_file(path, tmp_path / "store")
    assert load(path).X == 1


def test_without_a_store_compileall_writes_the_pyc(tmp_path: Path) -> None:
    path = module_file(tmp_path / "venv")
    assert compile_file(path, None)
    assert load(path).X == 1


@pytest.mark.parametrize("value", ["", "  "])
def test_the_store_is_off_unless_the_variable_names_a_folder(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(ENV, value)
    assert store_folder() is None
    monkeypatch.delenv(ENV)
    assert store_folder() is None


def test_the_store_keeps_each_interpreters_code_apart(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(ENV, str(tmp_path))
    assert store_folder() == tmp_path / sys.implementation.cache_tag
