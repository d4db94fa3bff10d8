"""churn: the small customer-churn ML system the course tests.

Modules:
    schema: the one definition of the data.
    data: synthetic (seeded, optionally drifted) and golden datasets.
    validate: the data contract.
    drift: drift of a new batch against reference data (PSI, KS).
    preprocess: imputation, scaling, encoding, as fit/transform objects.
    model: the model and its ``model.tar.gz`` artifact.
    train: training and metrics.
    gate: the quality gate.
    registry: model artifacts in S3 and versions in the SageMaker Model Registry.
    notify: gate failures published to SNS.
    handler: the Lambda handler that starts training on a new CSV in S3.
    training_job: an in-process stand-in for the SageMaker training container.
    release: gate a trained model, then register it or alert.
    serve: the model server (SageMaker's ``/ping`` and ``/invocations``).
"""
