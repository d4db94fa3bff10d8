"""Benchmark: pipeline validation throughput, against botocore's own ParamValidator.

Validates the course's 7-stage ML pipeline (:func:`mlcicd.pipeline.ml.ml_pipeline`,
as API JSON) ``--count`` times with :func:`mlcicd.pipeline.validate.validate`,
and checks the same ``CreatePipeline`` input with botocore's ``ParamValidator``
(what boto3 runs before every call: types, required members, minimum lengths,
ranges; no enums, no patterns, no pipeline rules) as the baseline, in the same
run; prints validations per second for both and their ratio. The machines are
shared and noisy: compare the ratio, not seconds across runs; each figure is
the best of ``--repeat`` runs.

Run: ``.venv/bin/python benchmarks/pipeline_validate.py [--count 2000] [--repeat 3]``
"""

from __future__ import annotations

import argparse

import botocore.session
from botocore.validate import ParamValidator
from timing import best_seconds

from mlcicd.pipeline.ml import ml_pipeline
from mlcicd.pipeline.model import to_dict
from mlcicd.pipeline.validate import declaration_shape, validate


def main() -> None:
    """Parse the options, time both ways and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()

    decl = to_dict(
        ml_pipeline(role_arn="arn:aws:iam::123456789012:role/pipeline", artifact_bucket="ml-art")
    )
    if validate(decl):
        raise SystemExit("the ML pipeline has findings: the benchmark would time error paths")
    shape = (
        botocore.session.get_session()
        .get_service_model("codepipeline")
        .operation_model("CreatePipeline")
        .input_shape
    )
    checker = ParamValidator()
    # Both load their model once, outside the timing.
    declaration_shape()
    if checker.validate({"pipeline": decl}, shape).has_errors():
        raise SystemExit("botocore rejects the ML pipeline")

    count, repeat = options.count, options.repeat
    ours = best_seconds(lambda: [validate(decl) for _ in range(count)], repeat)
    theirs = best_seconds(
        lambda: [checker.validate({"pipeline": decl}, shape) for _ in range(count)], repeat
    )
    stages, actions = len(decl["stages"]), sum(len(s["actions"]) for s in decl["stages"])
    print(f"{count} validations of a {stages}-stage, {actions}-action pipeline, best of {repeat}")
    print(f"mlcicd validate:          {count / ours:9.0f} /s  ({ours:.3f} s)")
    print(f"botocore ParamValidator:  {count / theirs:9.0f} /s  ({theirs:.3f} s)")
    print(f"ratio validate/botocore:  {ours / theirs:9.2f}x the time")


if __name__ == "__main__":
    main()
