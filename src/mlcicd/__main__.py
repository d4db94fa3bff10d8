"""``python -m mlcicd``: the same as the ``mlcicd`` command."""

from mlcicd.cli import main

main(prog_name="mlcicd")
