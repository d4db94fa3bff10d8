"""cfn-lint on a synthesized template: a static check of what CloudFormation would refuse.

CDK assertions check what *we* expect of the template; cfn-lint checks it
against CloudFormation's own resource specification (property names and types,
allowed values, references that exist, deprecated runtimes). Neither deploys
anything, and neither knows what a role may do at run time.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlcicd.exceptions import IacError

#: The region whose resource specification the template is checked against.
REGIONS: tuple[str, ...] = ("us-east-1",)


@dataclass(frozen=True)
class LintFinding:
    """One cfn-lint match.

    Attributes:
        code: The rule id, e.g. ``E3030`` (``E`` error, ``W`` warning, ``I`` information).
        level: ``error``, ``warning`` or ``informational``.
        location: Where in the template: ``Resources/ArtifactBucket/Properties/...``.
        message: cfn-lint's message.
    """

    code: str
    level: str
    location: str
    message: str

    @property
    def is_error(self) -> bool:
        """Whether CloudFormation would refuse the template for this (an ``E`` rule)."""
        return self.code.startswith("E")

    def format(self) -> str:
        """``E3030 Resources/B/Properties/...: 'Yes' is not one of [...]``."""
        return f"{self.code} {self.location}: {self.message}"


def lint_template(
    template: Mapping[str, Any] | str, *, regions: Sequence[str] = REGIONS
) -> list[LintFinding]:
    """Run cfn-lint's rules on a template.

    Args:
        template: The template as data (from :func:`~mlcicd.iac.synth.synthesize`)
            or as JSON/YAML text.
        regions: Regions to check resource types and values against.

    Returns:
        Every finding, errors first, in template order within a level.
    """
    try:
        from cfnlint.api import lint
    except ModuleNotFoundError:
        raise IacError(
            "cfn-lint is not installed: run `make test` (or `pip install -e '.[iac]'`) first"
        ) from None
    text = template if isinstance(template, str) else json.dumps(template, indent=1)
    matches = lint(text, regions=list(regions))
    findings = [
        LintFinding(
            code=match.rule.id,
            level=str(match.rule.severity),
            # A template that does not parse gives matches without a path, only a line.
            location="/".join(str(part) for part in getattr(match, "path", None) or ())
            or f"line {match.linenumber}",
            message=str(match.message),
        )
        for match in matches
    ]
    return sorted(findings, key=lambda finding: not finding.is_error)


def lint_file(path: Path) -> list[LintFinding]:
    """Run cfn-lint on a template file (JSON or YAML).

    Raises:
        IacError: The file cannot be read as UTF-8 text.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise IacError(f"cannot read the template {path}: {error}") from None
    return lint_template(text)
