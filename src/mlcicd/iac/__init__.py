"""Infrastructure as code: the course's ML CI/CD stack as an AWS CDK app, and its tests.

* :class:`MlCiCdStack` declares the artifact bucket, one CodeBuild project per
  test layer, the ML pipeline of :func:`mlcicd.pipeline.ml_pipeline`, an SNS
  failure topic, a SageMaker model package group and least-privilege roles.
* :func:`synthesize` turns it into a CloudFormation template, offline
  (``mlcicd iac synth``); :func:`lint_template` runs cfn-lint on it.
* :func:`cdk_assertion` and :class:`TemplateAssertions` make failed CDK
  assertions plain ``AssertionError``\\ s; :func:`statements` and
  :func:`wildcard_actions` read the template's IAM policies.
* :func:`cdk_problem` / :func:`require_cdk` say, in one sentence, when Node.js
  or the ``iac`` extra is missing.
* :func:`committed_template` reads the stack's committed template
  (``MlCiCd.template.json`` in this package, kept equal to :func:`synthesize` by
  the stack's snapshot test): the same template with no Node.js, in milliseconds.
* :mod:`mlcicd.iac.buildspecs` holds the projects' buildspecs (plain data, no
  Node.js); :mod:`mlcicd.iac.endpoint` is the Build stage's packaging step
  (``python -m mlcicd.iac.endpoint``): upload the model, fill in ``infra/endpoint.yaml``.

Nothing here imports ``aws_cdk`` until it is used: importing the CDK starts
Node.js (seconds), and the core course installs without it. Importing this
package sets jsii's environment (:func:`configure_jsii`), so an ``import
aws_cdk`` after it prints no Node.js banner and caches under ``build/``.
"""

import json
from importlib import import_module
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from mlcicd.iac.environment import cdk_problem, configure_jsii, require_cdk
from mlcicd.iac.iam import Statement, statements, wildcard_actions

configure_jsii()

if TYPE_CHECKING:  # what type checkers see; at run time _LAZY imports on use
    from mlcicd.iac.assertions import TemplateAssertions, cdk_assertion
    from mlcicd.iac.lint import lint_template
    from mlcicd.iac.stack import MlCiCdStack
    from mlcicd.iac.synth import new_app, new_stack, synthesize, template_of

_LAZY = {
    "TemplateAssertions": "mlcicd.iac.assertions",
    "cdk_assertion": "mlcicd.iac.assertions",
    "lint_template": "mlcicd.iac.lint",
    "MlCiCdStack": "mlcicd.iac.stack",
    "new_app": "mlcicd.iac.synth",
    "new_stack": "mlcicd.iac.synth",
    "synthesize": "mlcicd.iac.synth",
    "template_of": "mlcicd.iac.synth",
}


#: The committed template's file name inside this package.
COMMITTED_TEMPLATE = "MlCiCd.template.json"


def committed_template() -> dict[str, Any]:
    """Return the course stack's committed template, as :func:`synthesize` writes it.

    A test synthesizes the stack and compares (``tests/unit/test_iac_stack.py``), so
    this is the template the code produces, read without Node.js. Grading uses it.
    """
    text = files("mlcicd.iac").joinpath(COMMITTED_TEMPLATE).read_text(encoding="utf-8")
    return json.loads(text)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        if _LAZY[name] == "mlcicd.iac.stack":
            require_cdk()  # the stack module imports aws_cdk at its top
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'mlcicd.iac' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "MlCiCdStack",
    "Statement",
    "TemplateAssertions",
    "cdk_assertion",
    "cdk_problem",
    "committed_template",
    "configure_jsii",
    "lint_template",
    "new_app",
    "new_stack",
    "require_cdk",
    "statements",
    "synthesize",
    "template_of",
    "wildcard_actions",
]
