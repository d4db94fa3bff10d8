"""Build output artifacts: zip them as CodeBuild would, and upload them to S3 if asked.

For each artifact set (the primary one and every secondary one) the files that
match ``files`` under ``base-directory`` are zipped, minus those matching
``exclude-paths``; paths in the zip are relative to ``base-directory``, or just
the file names with ``discard-paths: yes``. As on CodeBuild, a set whose
patterns match no file fails the UPLOAD_ARTIFACTS phase.

With a bucket, each zip is uploaded to ``s3://bucket/<s3-prefix>/<name>.zip``
through the run's boto3 session (moto in the course's tests).
"""

from __future__ import annotations

import fnmatch
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from mlcicd.buildspec.model import Artifacts, ArtifactSet
from mlcicd.buildspec.reports import match_files
from mlcicd.exceptions import BuildspecError

if TYPE_CHECKING:
    import boto3

#: The name of the primary artifact when the buildspec gives none (CodeBuild uses the project's).
DEFAULT_NAME = "artifacts"


class ArtifactError(BuildspecError):
    """An artifact set cannot be packaged or uploaded."""


@dataclass(frozen=True)
class ArtifactResult:
    """One packaged artifact set.

    Attributes:
        identifier: ``primary``, or the secondary set's identifier.
        path: The zip file on this machine.
        entries: Paths inside the zip, sorted.
        location: ``s3://bucket/key`` when uploaded, else None.
    """

    identifier: str
    path: Path
    entries: tuple[str, ...]
    location: str | None = None

    def to_dict(self) -> dict[str, object]:
        """Plain data, for the result JSON."""
        return {
            "artifactIdentifier": self.identifier,
            "path": str(self.path),
            "files": list(self.entries),
            "location": self.location,
        }


def _excluded(relative: str, patterns: tuple[str, ...]) -> bool:
    path = PurePosixPath(relative)
    return any(fnmatch.fnmatch(relative, p) or path.match(p) for p in patterns)


def entries(artifact: ArtifactSet, source_dir: Path) -> dict[str, Path]:
    """The zip entries of one set: path in the zip -> file on disk.

    Raises:
        ArtifactError: Two files would have the same path in the zip
            (``discard-paths`` with equal file names), or none matches.
    """
    base = source_dir / (artifact.base_directory or "")
    found: dict[str, Path] = {}
    for path in match_files(base, artifact.files):
        relative = path.relative_to(base).as_posix()
        if _excluded(relative, artifact.exclude_paths):
            continue
        name = path.name if artifact.discard_paths else relative
        if name in found:
            raise ArtifactError(f"two artifact files would both be {name!r} in the zip")
        found[name] = path
    if not found:
        raise ArtifactError(
            f"no matching artifact paths found for {list(artifact.files)} "
            f"under {artifact.base_directory or '.'}"
        )
    return found


def package(artifact: ArtifactSet, identifier: str, source_dir: Path, out_dir: Path) -> Path:
    """Zip one artifact set into ``out_dir`` and return the zip's path."""
    members = entries(artifact, source_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    name = artifact.name or (DEFAULT_NAME if identifier == "primary" else identifier)
    target = out_dir / f"{PurePosixPath(name).name.removesuffix('.zip')}.zip"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for arcname, path in sorted(members.items()):
            archive.write(path, arcname)
    return target


def upload(path: Path, artifact: ArtifactSet, bucket: str, session: boto3.Session) -> str:
    """Upload a zip to ``s3://bucket/<s3-prefix>/<file name>`` and return that location."""
    key = "/".join(p.strip("/") for p in (artifact.s3_prefix, path.name) if p)
    session.client("s3").upload_file(str(path), bucket, key)
    return f"s3://{bucket}/{key}"


def publish(
    artifacts: Artifacts | None,
    source_dir: Path,
    out_dir: Path,
    *,
    bucket: str | None = None,
    session: boto3.Session | None = None,
) -> tuple[ArtifactResult, ...]:
    """Package every artifact set of a build, and upload them when a bucket is given.

    Args:
        artifacts: The buildspec's ``artifacts`` section; None means no artifacts.
        source_dir: The build's source directory (``CODEBUILD_SRC_DIR``).
        out_dir: Where the zips are written.
        bucket: An S3 bucket to upload to.
        session: The boto3 session for the upload; a default one when None.

    Returns:
        One result per set, primary first.

    Raises:
        ArtifactError: A set matches no file, or the upload fails.
    """
    if artifacts is None:
        return ()
    sets: list[tuple[str, ArtifactSet]] = []
    if artifacts.files:
        sets.append(("primary", artifacts))
    sets.extend(artifacts.secondary_artifacts.items())
    if bucket is not None and session is None:
        import boto3

        session = boto3.Session()
    results: list[ArtifactResult] = []
    for identifier, artifact in sets:
        path = package(artifact, identifier, source_dir, out_dir)
        location = None
        if bucket is not None and session is not None:
            from boto3.exceptions import S3UploadFailedError
            from botocore.exceptions import BotoCoreError, ClientError

            try:
                location = upload(path, artifact, bucket, session)
            except (BotoCoreError, ClientError, S3UploadFailedError) as error:
                raise ArtifactError(f"cannot upload {path.name} to {bucket}: {error}") from error
        with zipfile.ZipFile(path) as archive:
            names = tuple(sorted(archive.namelist()))
        results.append(ArtifactResult(identifier, path, names, location))
    return tuple(results)
