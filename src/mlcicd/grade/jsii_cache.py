"""jsii's package cache, shared read-only with the sandboxed kernels that start the CDK.

A kernel that imports ``aws_cdk`` starts jsii, which loads each JavaScript package
of the CDK from a tarball in the venv (aws-cdk-lib unpacks to about 200 MB). jsii
unpacks a tarball once into its package cache and reuses it from then on. The
grading sandbox sees the machine read-only, and the shared cache must stay so: a
kernel that wrote it would run its code in every later kernel, other learners'
included. So kernels used to unpack privately (``JSII_RUNTIME_PACKAGE_CACHE=disabled``),
which cost every exercise 09 kernel about 5 s (measured: 5.3 s against 10.2 s for a
small synth in the sandbox).

Reusing an unpacked package, jsii writes one file only: the entry's marker, whose
time it updates. :func:`sandbox_arguments` binds a private copy of each marker over
the original, so a kernel reuses the shared packages and can write nothing shared.
It does so only when the cache holds the exact entry jsii would look for, for every
jsii package installed in this Python (the entry's name is the SHA-256 of the
tarball, then of the package's name and version, each after a NUL byte, as jsii's
``digestFile`` makes it): else jsii would try to unpack into the read-only cache and
the learner's cell would fail. In that case, the first grading on a new machine,
kernels unpack privately as before.

jsii documents none of this (the layout, the digest, the marker, the loader modules):
this module is the one place that knows it, and
tests/integration/test_grade_jsii_sandbox.py fails, saying the cache was not shared,
when a jsii upgrade changes it.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sysconfig
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT_VARIABLE = "JSII_RUNTIME_PACKAGE_CACHE_ROOT"
SWITCH_VARIABLE = "JSII_RUNTIME_PACKAGE_CACHE"
#: The file jsii touches in a cache entry each time it reuses it.
MARKER = ".jsii-runtime-package-cache"
#: What a sandbox gets when the shared cache cannot be used: jsii unpacks privately.
DISABLED = ("--setenv", SWITCH_VARIABLE, "disabled")

# How each jsii package's Python module loads its tarball (aws_cdk/_jsii/__init__.py):
# jsii.JSIIAssembly.load("@aws-cdk/asset-awscli-v1", "2.2.292", __name__[0:-6], "x.tgz")
_LOAD = re.compile(r'JSIIAssembly\.load\(\s*"([^"]+)",\s*"([^"]+)",\s*[^,]+,\s*"([^"]+)"')


def cache_root(environ: Mapping[str, str]) -> Path:
    """The package cache jsii uses in the grader's own processes (see ``configure_jsii``)."""
    from mlcicd.iac.environment import CACHE_FOLDER, project_root

    configured = environ.get(ROOT_VARIABLE, "")
    return Path(configured) if configured else project_root() / CACHE_FOLDER


def entry_digest(tarball: Path, name: str, version: str) -> str:
    """The name of the cache entry jsii unpacks ``tarball`` of package ``name@version`` into."""
    digest = hashlib.sha256()
    with tarball.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    for part in (name, version):
        digest.update(b"\0")
        digest.update(part.encode())
    return digest.hexdigest()


def installed_entries(site_packages: Path) -> list[tuple[str, str, str]]:
    """(name, version, digest) of every jsii package in ``site_packages``.

    The packages' loader modules sit one or two folders down (``constructs/_jsii``,
    ``aws_cdk/asset_awscli_v1/_jsii``); a loader whose tarball is missing is left out.
    """
    found = []
    loaders = [
        *site_packages.glob("*/_jsii/__init__.py"),
        *site_packages.glob("*/*/_jsii/__init__.py"),
    ]
    for loader in sorted(loaders):
        match = _LOAD.search(loader.read_text(encoding="utf-8", errors="replace"))
        if match is None:
            continue
        name, version, file_name = match.groups()
        tarball = loader.parent / file_name
        if tarball.is_file():
            found.append((name, version, entry_digest(tarball, name, version)))
    return found


#: Complete sets of markers found, by (cache root, site-packages): grading reads them for
#: every submission. An incomplete cache is not remembered: a first run fills it.
_FOUND: dict[tuple[Path, Path], tuple[Path, ...]] = {}


def _shared_markers(root: Path, site_packages: Path) -> tuple[Path, ...]:
    """The markers of every entry this Python's jsii loads, when ``root`` holds them all.

    Empty when a package is not unpacked there yet, or when no jsii package is installed.
    """
    if (root, site_packages) in _FOUND:
        return _FOUND[root, site_packages]
    markers = []
    for name, version, digest in installed_entries(site_packages):
        marker = root.joinpath(*name.split("/"), version, digest, MARKER)
        if not marker.is_file():
            return ()
        markers.append(marker)
    if markers:
        _FOUND[root, site_packages] = tuple(markers)
    return tuple(markers)


def sandbox_arguments(
    private: Path,
    hidden: Sequence[Path] = (),
    environ: Mapping[str, str] | None = None,
    site_packages: Path | None = None,
) -> list[str]:
    """The bwrap arguments that let a sandboxed kernel reuse the shared cache, read-only.

    Args:
        private: A folder of this submission's own, outside what the kernel sees, for
            the markers' copies (created if missing).
        hidden: The folders the sandbox hides: a cache under one of them is not shown.
        environ: The grader's environment; ``os.environ`` when None.
        site_packages: Where the kernel's jsii packages are; this Python's when None.

    Returns:
        ``--ro-bind`` of the cache, ``--bind`` of each marker's copy and the cache's root
        for jsii; or :data:`DISABLED` when the cache cannot serve every package.
    """
    environ = os.environ if environ is None else environ
    if environ.get(SWITCH_VARIABLE, "") == "disabled":
        return list(DISABLED)
    root = cache_root(environ).resolve()
    if not root.is_dir() or any(root.is_relative_to(folder) for folder in hidden):
        return list(DISABLED)
    packages = site_packages or Path(sysconfig.get_paths()["purelib"])
    markers = _shared_markers(root, packages.resolve())
    if not markers:
        return list(DISABLED)
    private.mkdir(parents=True, exist_ok=True)
    # Shown again read-only: a cache under /tmp (a fresh clone's build/) would be under
    # the sandbox's private /tmp.
    args = ["--ro-bind", str(root), str(root), "--setenv", ROOT_VARIABLE, str(root)]
    for number, marker in enumerate(markers):
        copy = private / f"marker-{number}"
        shutil.copyfile(marker, copy)
        args += ["--bind", str(copy), str(marker)]
    return args
