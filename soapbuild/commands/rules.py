"""``soapbuild rules`` and ``soapbuild explain CODE``: the rule list and one rule's page."""

from __future__ import annotations

import json

import click

from soapbuild.console import UsageProblem


def list_rules(output_format: str) -> int:
    from soapbuild.rules.registry import all_rules

    listed = list(all_rules().values())
    if output_format == "json":
        click.echo(json.dumps([{"code": r.code, "name": r.name, "family": r.family,
                                "severity": r.severity.value, "summary": r.summary}
                               for r in listed], indent=2))
        return 0
    family = max(len(rule.family) for rule in listed)
    severity = max(len(rule.severity.value) for rule in listed)
    code = max(len(rule.code) for rule in listed)
    for rule in listed:
        click.echo(f"{rule.code:<{code}}  {rule.family:<{family}}  "
                   f"{rule.severity.value:<{severity}}  {rule.summary}")
    return 0


def explain(code: str) -> int:
    from soapbuild.rules.explain import render_page
    from soapbuild.rules.registry import all_rules

    rule = all_rules().get(code.upper())
    if rule is None:
        raise UsageProblem(f"{code!r} is not a rule code; 'soapbuild rules' lists them")
    click.echo(render_page(rule))
    return 0
