"""What the editor shows over a finding: the message, the suggestion and the rule's page.

The rule's part is the page ``soapbuild explain CODE`` prints (summary, what to do,
and what is special about the rule: a warning on drafts, never suppressible), so an
editor says what the terminal says.
"""

from __future__ import annotations

from collections.abc import Sequence

from soapbuild.model.findings import Finding
from soapbuild.rules.explain import rule_notes
from soapbuild.rules.registry import all_rules


def hover_text(findings: Sequence[Finding], page: dict[str, str]) -> str:
    """Markdown for the findings under the cursor; ``page`` maps a code to its rule page's
    URI where the record has been built."""
    parts = []
    for finding in findings:
        rule = all_rules()[finding.code]
        lines = [f"**{finding.code}** {rule.name} ({finding.severity.value})", "",
                 finding.message]
        if finding.suggestion:
            lines += ["", f"→ {finding.suggestion}"]
        if finding.detail:
            lines += ["", "```diff", finding.detail, "```"]
        lines += ["", f"*{rule.summary}*"]
        if rule.fix:
            lines += ["", f"What to do: {' '.join(rule.fix.split())}"]
        lines += [f"\n{note}" for note in rule_notes(rule)]
        link = page.get(finding.code)
        more = f"[the rule's page]({link}), or " if link else ""
        lines += ["", f"More: {more}`soapbuild explain {finding.code}`."]
        parts.append("\n".join(lines))
    return "\n\n---\n\n".join(parts)
