"""jsii's package cache shared read-only with sandboxed kernels: which entries, which binds."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from mlcicd.grade import jsii_cache
from mlcicd.grade.jsii_cache import DISABLED, MARKER, entry_digest, installed_entries

LOADER = """
__jsii_assembly__ = jsii.JSIIAssembly.load(
    "{name}",
    "{version}",
    __name__[0:-6],
    "{file}",
)
"""
PACKAGES = [
    ("constructs", "constructs", "10.8.1"),
    ("aws_cdk/asset_x", "@aws-cdk/asset-x", "2.2.1"),
]


def site_packages(base: Path) -> Path:
    """A site-packages with two jsii packages (one scoped, two folders down), as pip lays them."""
    site = base / "site-packages"
    for module, name, version in PACKAGES:
        folder = site / module / "_jsii"
        folder.mkdir(parents=True)
        file = f"{name.rsplit('/', 1)[-1]}@{version}.jsii.tgz"
        (folder / file).write_bytes(f"tarball of {name}".encode())
        (folder / "__init__.py").write_text(LOADER.format(name=name, version=version, file=file))
    (site / "unrelated" / "_jsii").mkdir(parents=True)
    (site / "unrelated" / "_jsii" / "__init__.py").write_text("print('no assembly here')\n")
    return site


def cache(base: Path, site: Path, *, leave_out: str = "") -> Path:
    """A cache root holding an entry, with its marker, for each package but ``leave_out``."""
    root = base / "jsii-cache"
    for name, version, digest in installed_entries(site):
        if name != leave_out:
            entry = root.joinpath(*name.split("/"), version, digest)
            entry.mkdir(parents=True)
            (entry / MARKER).write_text("")
    return root


def test_an_entry_is_named_by_the_tarball_then_the_name_and_version_each_after_a_nul(
    tmp_path: Path,
) -> None:
    tarball = tmp_path / "p.tgz"
    tarball.write_bytes(b"bytes")
    # jsii's digestFile: sha256 over the file, then "\0" and each of the entry's path parts.
    expected = hashlib.sha256(b"bytes\0@scope/p\x001.0.0").hexdigest()
    assert entry_digest(tarball, "@scope/p", "1.0.0") == expected


def test_the_digest_names_the_entries_jsii_itself_unpacked() -> None:
    """Held against the real cache: the entries jsii made in build/jsii-cache are ours."""
    root = Path(__file__).resolve().parents[2] / "build" / "jsii-cache"
    site = Path(jsii_cache.sysconfig.get_paths()["purelib"])
    made = [(n, v, d) for n, v, d in installed_entries(site) if (root / n / v).is_dir()]
    if not made:
        pytest.skip("no jsii package unpacked in build/jsii-cache yet (no CDK run here)")
    for name, version, digest in made:
        assert (root.joinpath(*name.split("/"), version, digest, MARKER)).is_file(), name


def test_the_installed_packages_are_read_from_their_loaders(tmp_path: Path) -> None:
    found = installed_entries(site_packages(tmp_path))
    assert sorted((name, version) for name, version, _ in found) == [
        ("@aws-cdk/asset-x", "2.2.1"),
        ("constructs", "10.8.1"),
    ]


def test_a_complete_cache_is_shown_read_only_with_private_copies_of_its_markers(
    tmp_path: Path,
) -> None:
    site = site_packages(tmp_path)
    root = cache(tmp_path, site).resolve()
    environ = {jsii_cache.ROOT_VARIABLE: str(root)}
    private = tmp_path / "private"
    args = jsii_cache.sandbox_arguments(private, environ=environ, site_packages=site)
    assert args[:5] == ["--ro-bind", str(root), str(root), "--setenv", jsii_cache.ROOT_VARIABLE]
    binds = [args[i + 1 : i + 3] for i, arg in enumerate(args) if arg == "--bind"]
    markers = sorted(str(p) for p in root.rglob(MARKER))
    assert sorted(target for _, target in binds) == markers
    assert all(Path(source).parent == private and Path(source).is_file() for source, _ in binds)


@pytest.mark.parametrize("case", ["entry missing", "switched off", "hidden", "no cache", "no cdk"])
def test_otherwise_jsii_unpacks_privately(tmp_path: Path, case: str) -> None:
    site = site_packages(tmp_path)
    root = cache(tmp_path, site, leave_out="constructs" if case == "entry missing" else "")
    environ = {jsii_cache.ROOT_VARIABLE: str(root if case != "no cache" else tmp_path / "nope")}
    if case == "switched off":
        environ[jsii_cache.SWITCH_VARIABLE] = "disabled"
    hidden = [tmp_path] if case == "hidden" else []
    if case == "no cdk":
        site = tmp_path / "empty-site"
        site.mkdir()
    args = jsii_cache.sandbox_arguments(
        tmp_path / "private", hidden, environ=environ, site_packages=site
    )
    assert args == list(DISABLED)
    assert not (tmp_path / "private").exists()


def test_a_cache_filled_during_grading_is_shared_from_then_on(tmp_path: Path) -> None:
    site = site_packages(tmp_path)
    root = cache(tmp_path, site, leave_out="constructs")
    environ = {jsii_cache.ROOT_VARIABLE: str(root)}
    first = jsii_cache.sandbox_arguments(tmp_path / "a", environ=environ, site_packages=site)
    assert first == list(DISABLED)
    (name, version, digest) = next(e for e in installed_entries(site) if e[0] == "constructs")
    entry = root.joinpath(name, version, digest)
    entry.mkdir(parents=True)
    (entry / MARKER).write_text("")  # the first CDK run of the grader unpacked it
    later = jsii_cache.sandbox_arguments(tmp_path / "b", environ=environ, site_packages=site)
    assert later.count("--bind") == 2
