"""A Jupyter kernel started inside a test run (as nbval and papermill start them) is offline."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def notebook(*sources: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])


def run(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    NotebookClient(nb, timeout=60, kernel_name="python3").execute()
    return nb


def test_a_kernel_inherits_fake_credentials_and_the_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    nb = notebook(
        "import os\n"
        "os.environ['AWS_ACCESS_KEY_ID'] = 'AKIAIOSFODNN7EXAMPLE'  # a learner's own key\n"
        "import boto3\n"
        "boto3.client('s3').list_buckets()"
    )
    with pytest.raises(CellExecutionError) as caught:
        run(nb)
    assert "RealAWSCallError" in str(caught.value)
    assert "s3 ListBuckets" in str(caught.value)


def test_moto_inside_a_kernel_works_with_the_guard_on() -> None:
    nb = run(
        notebook(
            "import boto3\nfrom mlcicd.testing import offline_aws",
            "with offline_aws():\n"
            "    s3 = boto3.client('s3')\n"
            "    s3.create_bucket(Bucket='lesson-data')\n"
            "    print(sorted(b['Name'] for b in s3.list_buckets()['Buckets']))",
        )
    )
    assert nb.cells[1].outputs[0]["text"] == "['lesson-data']\n"


def test_under_nbval_a_learners_exported_keys_never_reach_the_kernel(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "production")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    nb = notebook(
        "import os\nprint(os.environ['AWS_ACCESS_KEY_ID'], 'AWS_PROFILE' in os.environ)",
        "import boto3\n"
        "from mlcicd.exceptions import RealAWSCallError\n"
        "try:\n"
        "    boto3.client('sagemaker').list_models()\n"
        "except RealAWSCallError as error:\n"
        "    print('stopped', error.operation)",
    )
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="testing False\n")]
    nb.cells[1].outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="stopped ListModels\n")
    ]
    for count, cell in enumerate(nb.cells, start=1):
        cell.execution_count = count
    nbformat.write(nb, pytester.path / "lesson.ipynb")

    # A folder with no configuration: the project asks for the safety net on the command line.
    result = pytester.runpytest_subprocess(
        "--nbval", "--offline-aws", "lesson.ipynb", "-p", "no:cacheprovider"
    )

    result.assert_outcomes(passed=2)
