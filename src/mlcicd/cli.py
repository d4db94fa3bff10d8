"""The ``mlcicd`` command line: a thin layer over the library.

Each subcommand parses its arguments, calls one library function and prints.
Errors the toolkit raises on purpose (:class:`MlcicdError`) are printed as one
sentence on stderr with their exit code; no traceback reaches the user.
"""

from __future__ import annotations

from pathlib import Path

import click

from mlcicd import __version__
from mlcicd.exceptions import MlcicdError


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except MlcicdError as error:
            click.echo(f"Error: {error}", err=True)
            ctx.exit(error.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mlcicd")
def main() -> None:
    """Toolkit of the course "CI/CD Test Automation for Machine Learning Workflows".

    Everything runs offline: AWS is simulated with moto.
    """


@main.command()
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Port to listen on [default: first free from 8888].",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; off loopback, Jupyter's token stays on.",
)
@click.option(
    "--browser/--no-browser", default=False, show_default=True, help="Open a browser tab."
)
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The course folder (holds notebooks/).",
)
def lab(port: int | None, host: str, browser: bool, root: Path) -> None:
    """Open the course in JupyterLab, at its start page."""
    from mlcicd.lab import plan_lab, run_lab

    launch = plan_lab(root, host=host, port=port, open_browser=browser)
    if launch.notice:
        click.echo(launch.notice)
    click.echo(f"JupyterLab on port {launch.port}: {launch.url}")
    click.echo("Stop it with Ctrl-C.")
    run_lab(launch)


@main.group()
def buildspec() -> None:
    """Build, lint and run AWS CodeBuild buildspecs locally."""
