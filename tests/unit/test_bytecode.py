"""mlcicd.bytecode: what the install compiles, and what it leaves for import time."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from mlcicd import bytecode
from mlcicd.bytecode import (
    COURSE_CDK,
    cdk_modules,
    compile_installed,
    modules,
    pytest_plugin_sources,
    rewrite_for_pytest,
)

ROOT = Path(__file__).resolve().parents[2]
# How the course names an aws-cdk-lib module: `aws_cdk.aws_s3` (imports, attribute use)
# and `from aws_cdk import aws_s3 as s3, Stack` (lower-case names are the modules).
DOTTED = re.compile(r"\baws_cdk\.(\w+)")
FROM_IMPORT = re.compile(r"\bfrom aws_cdk import ([\w ,]+)")


def write(site: Path, files: dict[str, str]) -> Path:
    """A site-packages folder holding ``files`` (relative path: source)."""
    for name, source in files.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(source, encoding="utf-8")
    return site


#: A small site-packages: a package with its tests, a distribution named "tests" at the
#: top, and an aws_cdk whose aws_s3 imports aws_kms lazily, whose _jsii imports the
#: assembly of core_dep, and whose aws_unused only a docstring example names.
SITE = {
    "pkg/__init__.py": "X = 1\n",
    "pkg/sub/mod.py": "Y = 2\n",
    "pkg/tests/test_pkg.py": "def test(): pass\n",
    "pkg/sub/test/helper.py": "Z = 3\n",
    "top.py": "T = 4\n",
    "aws_cdk/__init__.py": "from ._jsii import *\n",
    "aws_cdk/_jsii/__init__.py": "import aws_cdk.core_dep._jsii\n",
    "aws_cdk/core_dep/_jsii/__init__.py": "\n",
    "aws_cdk/aws_s3/__init__.py": (
        '"""Example::\n\nimport aws_cdk.aws_unused as unused\n"""\n'
        '_kms = _LazyImport("aws_cdk.aws_kms")\n'
    ),
    "aws_cdk/aws_kms/__init__.py": "\n",
    "aws_cdk/aws_kms/_private/__init__.py": "\n",
    "aws_cdk/aws_unused/__init__.py": "\n",
}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return write(tmp_path / "site-packages", SITE)


def relative(site: Path, paths: list[str]) -> set[str]:
    return {Path(p).relative_to(site).as_posix() for p in paths}


def test_the_cdk_modules_are_those_the_start_reaches_through_its_imports(site: Path) -> None:
    assert cdk_modules(site / "aws_cdk", {"aws_s3"}) == {"_jsii", "core_dep", "aws_s3", "aws_kms"}


def test_the_modules_to_compile_leave_out_package_tests_and_unreached_cdk_modules(
    site: Path,
) -> None:
    assert relative(site, modules(site, {"aws_s3"})) == {
        "pkg/__init__.py",
        "pkg/sub/mod.py",
        "top.py",
        "aws_cdk/__init__.py",
        "aws_cdk/_jsii/__init__.py",
        "aws_cdk/core_dep/_jsii/__init__.py",
        "aws_cdk/aws_s3/__init__.py",
        "aws_cdk/aws_kms/__init__.py",
        "aws_cdk/aws_kms/_private/__init__.py",
    }


def test_a_site_without_the_cdk_compiles_everything_but_tests(tmp_path: Path) -> None:
    site = write(tmp_path / "site-packages", {k: v for k, v in SITE.items() if "aws_cdk" not in k})
    assert relative(site, modules(site)) == {"pkg/__init__.py", "pkg/sub/mod.py", "top.py"}


@pytest.mark.parametrize("workers", [1, 2])
def test_compiling_writes_bytecode_for_the_modules_only_and_counts_failures(
    site: Path, workers: int
) -> None:
    write(site, {"pkg/broken.py": "def (:\n"})
    compiled, failed = compile_installed([site], workers=workers)
    wanted = modules(site)
    assert (compiled, failed) == (len(wanted) - 1, 1)
    has_bytecode = {
        path.relative_to(site).as_posix()
        for path in site.rglob("*.py")
        if Path(importlib.util.cache_from_source(str(path))).is_file()
    }
    assert has_bytecode == relative(site, wanted) - {"pkg/broken.py"}
    assert "pkg/tests/test_pkg.py" not in has_bytecode  # and no unreached CDK module
    assert not any(name.startswith("aws_cdk/aws_unused") for name in has_bytecode)


def test_without_worker_processes_one_process_compiles_everything(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_pool(*args: object, **kwargs: object) -> None:
        raise OSError("[Errno 38] Function not implemented")  # as with no /dev/shm

    monkeypatch.setattr(bytecode, "ProcessPoolExecutor", no_pool)
    assert compile_installed([site], workers=2) == (len(modules(site)), 0)
    assert Path(importlib.util.cache_from_source(str(site / "top.py"))).is_file()


def test_a_second_run_finds_everything_up_to_date(site: Path) -> None:
    compile_installed([site], workers=1)
    pyc = Path(importlib.util.cache_from_source(str(site / "top.py")))
    before = pyc.stat().st_mtime_ns
    assert compile_installed([site], workers=1) == (len(modules(site)), 0)
    assert pyc.stat().st_mtime_ns == before


def test_main_compiles_this_pythons_site_packages_and_says_so(
    site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(bytecode, "site_folders", lambda: [site])
    assert bytecode.main(["--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert f"Compiled {len(modules(site))} installed modules ({site}), and 0 as pytest" in out
    assert Path(importlib.util.cache_from_source(str(site / "pkg" / "__init__.py"))).is_file()


def dist(site: Path, name: str, files: dict[str, str], entry_points: str = "") -> None:
    """An installed distribution ``name``: its files, dist-info, and RECORD listing them."""
    write(site, files)
    info = f"{name}-1.0.dist-info"
    record = [*files, f"{info}/METADATA", "../../bin/tool"]
    write(site, {
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n",
        f"{info}/entry_points.txt": entry_points,
        f"{info}/RECORD": "".join(f"{f},,\n" for f in record),
    })  # fmt: skip


PLUGIN = "[pytest11]\nplug = plug.plugin\n"


@pytest.fixture
def plugin_site(tmp_path: Path) -> Path:
    """A site with a pytest plugin's distribution (with its tests) beside a plain one."""
    site = tmp_path / "site-packages"
    plugin = {"plug/__init__.py": "", "plug/plugin.py": "assert 1\n", "plug/tests/t.py": ""}
    dist(site, "plug", {**plugin, "_plug_helper.py": ""}, PLUGIN)
    dist(site, "plain", {"plain/__init__.py": ""}, "[console_scripts]\nplain = plain:main\n")
    return site


def test_pytest_rewrites_every_module_of_a_plugins_distribution_but_its_tests(
    plugin_site: Path,
) -> None:
    found = relative(plugin_site, pytest_plugin_sources([plugin_site]))
    assert found == {"plug/__init__.py", "plug/plugin.py", "_plug_helper.py"}


def test_an_editable_plugin_is_found_by_its_entry_points_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site, src = tmp_path / "site-packages", tmp_path / "src"
    dist(site, "edit", {"__editable__.edit.pth": str(src)}, "[pytest11]\ne = editpkg.plugin\n")
    write(src, {"editpkg/__init__.py": "", "editpkg/plugin.py": "", "editpkg/tests/t.py": ""})
    monkeypatch.syspath_prepend(str(src))
    found = relative(tmp_path, pytest_plugin_sources([site]))
    assert found == {"src/editpkg/__init__.py", "src/editpkg/plugin.py"}


def test_rewriting_writes_one_cached_module_per_plugin_module_and_none_else(
    plugin_site: Path,
) -> None:
    # Whether pytest reads what is written: tests/unit/test_internals.py.
    assert rewrite_for_pytest([plugin_site], workers=1) == 3
    written = plugin_site.rglob("__pycache__/*.pyc")
    sources = {
        f"{p.parent.parent.relative_to(plugin_site) / p.name.split('.')[0]}.py" for p in written
    }
    assert sources == {"plug/__init__.py", "plug/plugin.py", "_plug_helper.py"}


def course_sources() -> list[Path]:
    folders = ("src", "notebooks", "solutions", "exercises")
    found = [p for f in folders for p in (ROOT / f).rglob("*") if p.suffix in (".py", ".ipynb")]
    # This module's own docs name CDK modules as examples of what it reads.
    return [p for p in found if p != ROOT / "src" / "mlcicd" / "bytecode.py"]


def test_every_cdk_module_the_course_imports_is_one_the_install_compiles() -> None:
    named: dict[str, str] = {}
    for path in course_sources():
        text = path.read_text(encoding="utf-8")
        dotted = DOTTED.findall(text)
        imported = [
            n.split(" as ")[0].strip() for f in FROM_IMPORT.findall(text) for n in f.split(",")
        ]
        for name in dotted + imported:
            if name.islower():  # aws_cdk.App, `from aws_cdk import Stack`: classes
                named.setdefault(name, path.name)
    assert named, "no aws_cdk import found: has the course's CDK code moved?"
    missing = {name: where for name, where in named.items() if name not in COURSE_CDK}
    assert not missing, f"add these to mlcicd.bytecode.COURSE_CDK: {missing}"
