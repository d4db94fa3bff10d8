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
from typing import Any

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
    from cfnlint.api import lint

    text = template if isinstance(template, str) else json.dumps(template, indent=1)
    matches = lint(text, regions=list(regions))
    findings = [
        LintFinding(
            code=match.rule.id,
            level=str(match.rule.severity),
            location="/".join(str(part) for part in match.path) or f"line {match.linenumber}",
            message=str(match.message),
        )
        for match in matches
    ]
    return sorted(findings, key=lambda finding: not finding.is_error)
