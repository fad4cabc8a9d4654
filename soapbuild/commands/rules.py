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
    for rule in listed:
        click.echo(f"{rule.code}  {rule.family:<11} {rule.severity.value:<8} {rule.summary}")
    return 0


def explain(code: str) -> int:
    from soapbuild.rules.explain import render_page
    from soapbuild.rules.registry import all_rules

    rule = all_rules().get(code.upper())
    if rule is None:
        raise UsageProblem(f"{code!r} is not a rule code; 'soapbuild rules' lists them")
    click.echo(render_page(rule))
    return 0
