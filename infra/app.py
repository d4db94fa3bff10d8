"""The course's CDK app: the ML CI/CD stack of ``mlcicd.iac``, for the AWS CDK command line.

Synthesize it without any AWS account::

    mlcicd iac synth                  # build/iac/MlCiCd.template.json
    cd infra && npx aws-cdk synth     # the same template, through the CDK CLI

Deploying it (``cdk deploy``) needs a real account and is never done by the course.
"""

import os

from mlcicd.iac import new_app, new_stack

# The CDK command line says where to write through CDK_OUTDIR. Read here, not in
# Node.js: jsii's Node.js process may have started before it was set.
app = new_app(outdir=os.environ.get("CDK_OUTDIR"))
new_stack(app)
app.synth()
