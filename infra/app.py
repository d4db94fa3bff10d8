"""The course's CDK app: the ML CI/CD stack of ``mlcicd.iac``, for the AWS CDK command line.

Synthesize it without any AWS account::

    mlcicd iac synth                  # build/iac/MlCiCd.template.json
    cd infra && npx aws-cdk synth     # the same template, through the CDK CLI

Deploy it to a sandbox account (notebooks/11_real_account.ipynb) with the values
only your account has, as CDK context::

    npx aws-cdk deploy -c connection_arn=arn:aws:codeconnections:... -c repository=you/mlcicd-course

Context keys (all optional): ``connection_arn``, ``repository`` (``owner/name``),
``branch``, ``source`` (``connection`` or ``codecommit``), ``serving_image``.
Without them the template names a placeholder connection, which cannot deploy.
"""

import os

from mlcicd.iac import new_app, new_stack

#: CDK context keys -> the stack's keyword arguments (see mlcicd.iac.stack.MlCiCdStack).
CONTEXT_KEYS = ("connection_arn", "repository", "branch", "source", "serving_image")

# The CDK command line says where to write through CDK_OUTDIR. Read here, not in
# Node.js: jsii's Node.js process may have started before it was set.
app = new_app(outdir=os.environ.get("CDK_OUTDIR"))
options = {key: app.node.try_get_context(key) for key in CONTEXT_KEYS}
new_stack(app, **{key: value for key, value in options.items() if value})
app.synth()
