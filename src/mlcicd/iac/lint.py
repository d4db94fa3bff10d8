"""cfn-lint on a synthesized template: a static check of what CloudFormation would refuse.

CDK assertions check what *we* expect of the template; cfn-lint checks it
against CloudFormation's own resource specification (property names and types,
allowed values, references that exist, deprecated runtimes). Neither deploys
anything, and neither knows what a role may do at run time.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mlcicd.exceptions import IacError
from mlcicd.lint import Finding, Severity, Where

#: The region whose resource specification the template is checked against.
REGIONS: tuple[str, ...] = ("us-east-1",)

#: cfn-lint's severity names (a rule's ``severity``, from the first letter of its id) -> ours.
SEVERITIES: Mapping[str, Severity] = {
    "error": Severity.ERROR,
    "warning": Severity.WARNING,
    "informational": Severity.INFO,
}


def _finding(match: Any) -> Finding:
    """One cfn-lint match as a core finding, placed at its path in the template."""
    # A template that does not parse gives matches without a path, only a line.
    location = "/".join(str(part) for part in getattr(match, "path", None) or ())
    return Finding(
        code=match.rule.id,
        # A rule cfn-lint cannot classify ("unknown") fails the gate rather than passing it.
        severity=SEVERITIES.get(str(match.rule.severity), Severity.ERROR),
        message=str(match.message),
        where=Where(location=location or f"line {match.linenumber}"),
    )


def lint_template(
    template: Mapping[str, Any] | str, *, regions: Sequence[str] = REGIONS
) -> list[Finding]:
    """Run cfn-lint's rules on a template.

    Args:
        template: The template as data (from :func:`~mlcicd.iac.synth.synthesize`)
            or as JSON/YAML text.
        regions: Regions to check resource types and values against.

    Returns:
        Every finding (code: cfn-lint's rule id, e.g. ``E3030``; severity: cfn-lint's,
        mapped by :data:`SEVERITIES`; where: ``location`` such as
        ``Resources/Bucket/Properties/...``), errors first, in template order within a
        severity.

    Raises:
        IacError: cfn-lint is not installed.
    """
    try:
        from cfnlint.api import lint
    except ModuleNotFoundError:
        raise IacError(
            "cfn-lint is not installed: run `make test` (or `pip install -e '.[iac]'`) first"
        ) from None
    text = template if isinstance(template, str) else json.dumps(template, indent=1)
    findings = [_finding(match) for match in lint(text, regions=list(regions))]
    return sorted(findings, key=lambda finding: finding.severity != Severity.ERROR)


def lint_file(path: Path) -> list[Finding]:
    """Run cfn-lint on a template file (JSON or YAML); findings carry ``path=str(path)``.

    Raises:
        IacError: The file cannot be read as UTF-8 text.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise IacError(f"cannot read the template {path}: {error}") from None
    return [finding.placed(path=str(path)) for finding in lint_template(text)]
