"""Read and write pipeline declarations as files.

Written files are the input of ``aws codepipeline create-pipeline
--cli-input-json file://pipeline.json``: ``{"pipeline": {...}}``. Read files
may be that, ``get-pipeline`` output (``pipeline`` plus ``metadata``), a bare
declaration, or a CloudFormation template (YAML or JSON, CDK synth output
included); the content decides, not the file name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from mlcicd.exceptions import PipelineError
from mlcicd.pipeline.cfn import MAX_BYTES, load_template, pipelines_from_data
from mlcicd.pipeline.model import Pipeline, from_dict, to_dict, unwrap


def pipeline_json(pipeline: Pipeline) -> str:
    """The ``create-pipeline --cli-input-json`` JSON of ``pipeline``, ending in a newline."""
    return json.dumps({"pipeline": to_dict(pipeline)}, indent=2) + "\n"


def write_pipeline(pipeline: Pipeline, path: str | Path) -> Path:
    """Write :func:`pipeline_json` to ``path``; returns the path written."""
    target = Path(path)
    target.write_text(pipeline_json(pipeline), encoding="utf-8")
    return target


def read_pipelines(path: str | Path) -> dict[str, Pipeline]:
    """Every pipeline a file declares.

    Args:
        path: A declaration (API JSON) or a CloudFormation template.

    Returns:
        Key to pipeline: the logical id for a template, the pipeline's name
        for a declaration.

    Raises:
        PipelineError: The file cannot be read, is too large, or declares no pipeline.
    """
    source = Path(path)
    try:
        if source.stat().st_size > MAX_BYTES:
            raise PipelineError(f"the file is larger than {MAX_BYTES} bytes", path=str(source))
        text = source.read_bytes()
    except OSError as error:
        raise PipelineError(f"cannot read the file: {error.strerror}", path=str(source)) from None
    data = load_template(text, path=str(source))
    if isinstance(data, Mapping) and "Resources" in data:
        return pipelines_from_data(data, path=str(source))
    if isinstance(data, Mapping) and isinstance(unwrap(data).get("stages"), list):
        pipeline = from_dict(data)
        return {pipeline.name: pipeline}
    raise PipelineError(
        "neither a pipeline declaration (no 'stages') nor a CloudFormation template "
        "(no 'Resources')",
        path=str(source),
    )


def read_pipeline(path: str | Path, *, name: str | None = None) -> Pipeline:
    """The one pipeline a file declares, or the one called ``name``.

    Args:
        path: A declaration (API JSON) or a CloudFormation template.
        name: A logical id or pipeline name; needed when the file declares several.

    Raises:
        PipelineError: The file cannot be read, declares no pipeline, or
            ``name`` does not pick exactly one.
    """
    pipelines = read_pipelines(path)
    if name is None:
        if len(pipelines) == 1:
            return next(iter(pipelines.values()))
        raise PipelineError(
            f"the file declares {len(pipelines)} pipelines ({', '.join(pipelines)}): "
            "pick one by name",
            path=str(path),
        )
    matches = [p for key, p in pipelines.items() if name in (key, p.name)]
    if len(matches) != 1:
        raise PipelineError(
            f"no single pipeline called {name!r}; the file declares: {', '.join(pipelines)}",
            path=str(path),
        )
    return matches[0]
