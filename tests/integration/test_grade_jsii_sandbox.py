"""A sandboxed kernel synthesizes a CDK stack from jsii's shared cache, and cannot change it.

The real bubblewrap sandbox, the real CDK and the cache ``make test`` uses
(``build/jsii-cache``), seen through a copy of this test's own (its files hard-linked,
its markers copied, so that jsii runs on the other worker cannot touch them): the
sandbox gets the arguments grading gives a kernel
(:func:`mlcicd.grade.sandbox.bwrap_arguments` with a private folder for jsii's
markers), imports ``aws_cdk``, synthesizes a bucket and tries to write into the
cache. Skipped, in one sentence, without bubblewrap or the CDK.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mlcicd.grade import jsii_cache
from mlcicd.grade.sandbox import bwrap_arguments, isolation
from mlcicd.iac import cdk_problem

pytestmark = [
    pytest.mark.skipif(not isolation().sandbox, reason=f"no sandbox: {isolation().problem}"),
    pytest.mark.skipif(cdk_problem() is not None, reason=cdk_problem() or ""),
]

SYNTH = textwrap.dedent(
    """
    import os, sys
    import aws_cdk as cdk
    from aws_cdk import aws_s3 as s3
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    s3.Bucket(stack, "B", versioned=True)
    template = app.synth().get_stack_by_name("S").template
    print("BUCKETS", [r["Type"] for r in template["Resources"].values()])
    root = os.environ["JSII_RUNTIME_PACKAGE_CACHE_ROOT"]
    for target in (os.path.join(root, "planted.js"), sys.argv[1]):
        try:
            open(target, "a").write("x")
            print("WROTE", target)
        except OSError:
            pass
    """
)


def own_copy(shared: Path, into: Path) -> Path:
    """A copy of the cache that no other test touches: files hard-linked, markers copied.

    Lessons and checks running beside this test on the other worker use the shared
    cache outside any sandbox, and jsii touches each marker it loads: a private copy
    of every marker keeps their times this test's own.
    """
    for path in sorted(shared.rglob("*")):
        target = into / path.relative_to(shared)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        if path.name != jsii_cache.MARKER:
            try:
                os.link(path, target)
                continue
            except OSError:  # another file system
                pass
        shutil.copy2(path, target)
    return into


def test_a_sandboxed_kernel_reuses_the_shared_cache_read_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    environ = {**os.environ}
    shared = jsii_cache.cache_root(environ).resolve()
    environ[jsii_cache.ROOT_VARIABLE] = str(shared)
    # The grader's own CDK run fills the cache, as a lesson or a check does first.
    subprocess.run([sys.executable, "-c", "import aws_cdk"], env=environ, check=True, timeout=120)
    root = own_copy(shared, tmp_path / "cache")
    monkeypatch.setenv(jsii_cache.ROOT_VARIABLE, str(root))
    work = tmp_path / "work"
    work.mkdir()
    args = bwrap_arguments(work, [], jsii_private=tmp_path / "jsii")
    assert "disabled" not in args, (
        "the filled cache was not shared: did a jsii upgrade change its layout, its "
        "digest or its loader modules? mlcicd.grade.jsii_cache is the one place to update"
    )
    markers = sorted(root.rglob(jsii_cache.MARKER))
    before = {marker: (marker.stat().st_mtime_ns, marker.read_bytes()) for marker in markers}

    done = subprocess.run(
        [*args, sys.executable, "-c", SYNTH, str(markers[0])],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 0, done.stderr[-3000:]
    assert "BUCKETS ['AWS::S3::Bucket']" in done.stdout
    assert f"WROTE {root / 'planted.js'}" not in done.stdout
    assert not (root / "planted.js").exists()
    # Writing a marker's path wrote the sandbox's private copy: the shared ones are as before.
    assert f"WROTE {markers[0]}" in done.stdout
    assert {m: (m.stat().st_mtime_ns, m.read_bytes()) for m in markers} == before
    assert any(copy.read_bytes() == b"x" for copy in (tmp_path / "jsii").iterdir())
