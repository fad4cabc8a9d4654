"""The page ``soapbuild explain CODE`` prints, with Ruff's fixed headings."""

from __future__ import annotations

import textwrap

from soapbuild.rules.registry import Example, Rule


def render_page(rule: Rule) -> str:
    parts = [
        f"{rule.code} {rule.name}",
        f"Family: {rule.family}. Default severity: {rule.severity.value}.",
        "",
        rule.summary,
        "",
        "What it does",
        _indent(rule.what),
        "",
        "Why it matters",
        _indent(rule.why),
    ]
    if rule.fix:
        parts += ["", "What to do", _indent(rule.fix)]
    for title, examples in (("Flagged", rule.flagged), ("Passes", rule.passes)):
        for number, example in enumerate(examples, 1):
            label = title if len(examples) == 1 else f"{title} ({number})"
            parts += ["", f"{label}:", _example(example)]
    if rule.sources:
        parts += ["", "Sources"] + [f"  - {source}" for source in rule.sources]
    return "\n".join(parts)


def _indent(text: str) -> str:
    return "\n\n".join(textwrap.fill(paragraph, 78, initial_indent="  ",
                                     subsequent_indent="  ")
                       for paragraph in text.split("\n\n"))


def _example(example: Example) -> str:
    notes = []
    if example.now:
        notes.append(f"(checked with --now '{example.now}')")
    if example.settings:
        notes.append("(with soapbuild.toml: " + " ".join(example.settings.split()) + ")")
    if example.setup == "directory":
        notes.append("(a folder named like a note)")
    if example.encoding != "utf-8":
        notes.append(f"(saved as {example.encoding})")
    if example.pad_bytes:
        notes.append(f"(followed by {example.pad_bytes:,} more bytes)")
    parts = [*("  " + n for n in notes)]
    if example.earlier is not None:
        parts += ["  an earlier note of the same client:", _framed(example.earlier),
                  "  this note:"]
    if example.before is not None:
        parts += ["  the note when it locked:", _framed(example.before), "  the note now:"]
    parts.append(_framed(example.text))
    return "\n".join(parts)


def _framed(raw: str) -> str:
    """The example's text, framed, with control characters shown as escapes."""
    text = "".join(c if c.isprintable() or c in "\n\t" else f"\\x{ord(c):02x}"
                   for c in raw.rstrip("\n"))
    return textwrap.indent(text, "    │ ", lambda line: True) if text else "    │ (empty file)"
