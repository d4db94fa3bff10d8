"""The runtimes CodeBuild's curated images offer, to check ``runtime-versions``.

A local build has no image: it runs with whatever is installed here. So
``install.runtime-versions`` is only *checked*: a version the chosen image does
not offer would fail the install phase on CodeBuild, and a Python version other
than the local interpreter's means the local run is not the run CodeBuild will
do. Both are warnings, never failures.

The table is transcribed from CodeBuild's "Available runtimes" page for the
images the course uses; CodeBuild updates its images, so a version missing here
may have been added since: the warning says which table it was checked against.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass

#: The image a local build is checked against unless another is named.
DEFAULT_IMAGE = "aws/codebuild/standard:7.0"

_JAVA = ("corretto8", "corretto11", "corretto17", "corretto21")

#: Image -> runtime name -> versions ``runtime-versions`` may ask for.
RUNTIMES: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "aws/codebuild/standard:7.0": {
        "python": ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14"),
        "nodejs": ("18", "20", "22"),
        "java": _JAVA,
        "golang": ("1.20", "1.21", "1.22", "1.23"),
        "ruby": ("3.1", "3.2", "3.3"),
        "php": ("8.2", "8.3"),
        "dotnet": ("6.0", "8.0"),
    },
    "aws/codebuild/standard:6.0": {
        "python": ("3.9", "3.10", "3.11"),
        "nodejs": ("16", "18"),
        "java": ("corretto8", "corretto11", "corretto17"),
        "golang": ("1.18", "1.20"),
        "ruby": ("3.1", "3.2"),
        "php": ("8.1", "8.2"),
        "dotnet": ("6.0",),
    },
    "aws/codebuild/amazonlinux-x86_64-standard:5.0": {
        "python": ("3.9", "3.10", "3.11", "3.12", "3.13"),
        "nodejs": ("18", "20", "22"),
        "java": _JAVA,
        "golang": ("1.20", "1.21", "1.22", "1.23"),
        "ruby": ("3.1", "3.2", "3.3"),
        "php": ("8.1", "8.2", "8.3"),
        "dotnet": ("6.0", "8.0"),
    },
    "aws/codebuild/amazonlinux-aarch64-standard:3.0": {
        "python": ("3.9", "3.10", "3.11", "3.12", "3.13"),
        "nodejs": ("18", "20", "22"),
        "java": _JAVA,
        "golang": ("1.20", "1.21", "1.22", "1.23"),
        "ruby": ("3.1", "3.2", "3.3"),
        "php": ("8.1", "8.2", "8.3"),
        "dotnet": ("6.0", "8.0"),
    },
}


@dataclass(frozen=True)
class RuntimeFinding:
    """One finding about ``runtime-versions``.

    Attributes:
        runtime: The runtime name, e.g. ``python``.
        version: The version asked for.
        message: One sentence for the log.
    """

    runtime: str
    version: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """Plain data, for the result JSON."""
        return {"runtime": self.runtime, "version": self.version, "message": self.message}


def offered(version: str, versions: tuple[str, ...]) -> bool:
    """Whether ``version`` names one of ``versions``.

    ``latest`` always does, and a major version alone (``3``, ``3.x``) does
    when some listed version has that major, as CodeBuild accepts both.
    """
    if version == "latest" or version in versions:
        return True
    major = re.fullmatch(r"(\w+)(?:\.x)?", version)
    return major is not None and any(v.split(".")[0] == major.group(1) for v in versions)


def local_python_version(path: str | None) -> str | None:
    """The ``major.minor`` of the ``python3`` a build would run, or None if there is none.

    Args:
        path: The build's ``PATH``.
    """
    try:
        completed = subprocess.run(
            ["python3", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            env={"PATH": path or ""},
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return completed.stdout.strip() or None


def check_runtime_versions(
    requested: Mapping[str, str], *, path: str | None, image: str = DEFAULT_IMAGE
) -> list[RuntimeFinding]:
    """Check ``install.runtime-versions`` against an image and the local machine.

    Args:
        requested: Runtime name to version, as in the buildspec.
        path: The build's ``PATH``, to find the local ``python3``.
        image: A key of :data:`RUNTIMES`.

    Returns:
        One warning per version the image does not offer, and one when the
        requested Python is not the local one. Empty when all is well.
    """
    table = RUNTIMES[image]
    found: list[RuntimeFinding] = []
    for runtime, version in requested.items():
        versions = table.get(runtime)
        if versions is None:
            found.append(
                RuntimeFinding(
                    runtime, version, f"{image} has no runtime {runtime!r}; it has {sorted(table)}"
                )
            )
            continue
        if not offered(version, versions):
            found.append(
                RuntimeFinding(
                    runtime,
                    version,
                    f"{image} offers {runtime} {', '.join(versions)}, not {version}: "
                    "the install phase would fail on CodeBuild",
                )
            )
        if runtime == "python" and version != "latest":
            local = local_python_version(path)
            wanted = version.removesuffix(".x")
            if local is None or not (local == wanted or local.startswith(f"{wanted}.")):
                found.append(
                    RuntimeFinding(
                        runtime,
                        version,
                        f"python {version} requested, but this build runs python3 "
                        f"{local or '(none found)'}: results may differ on CodeBuild",
                    )
                )
    return found
