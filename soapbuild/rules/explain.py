"""The page ``soapbuild explain CODE`` prints, with Ruff's fixed headings."""

from __future__ import annotations

import textwrap

from soapbuild.rules.drafts import draft_warnings
from soapbuild.rules.registry import Example, Rule


def rule_notes(rule: Rule) -> list[str]:
    """What is special about how a rule applies (on drafts, to suppressions): the
    ``explain`` page and the record's rule page say the same."""
    notes = []
    draft = draft_warnings().get(rule.code)
    if draft is not None:
        notes.append(f"On a draft (no 'submitted' yet) it is a warning: {draft} "
                     "'soapbuild submit' refuses the note while it is found.")
    if not rule.suppressible:
        notes.append("It cannot be suppressed or ignored: no comment, setting or option "
                     "silences it.")
    return notes


def render_page(rule: Rule) -> str:
    parts = [
        f"{rule.code} {rule.name}",
        f"Family: {rule.family}. Default severity: {rule.severity.value}.",
        *(textwrap.fill(note, 78) for note in rule_notes(rule)),
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


def example_parts(example: Example) -> tuple[list[str], list[tuple[str | None, str]]]:
    """What an example needs said about it (the time, the settings, …) and its texts,
    each with its caption where there is more than one: the ``explain`` page and the
    rule pages of the record show the same."""
    notes = []
    if example.now:
        notes.append(f"(checked with --now '{example.now}')")
    if example.settings:
        notes.append("(with soapbuild.toml: " + " ".join(example.settings.split()) + ")")
    if example.setup == "directory":
        notes.append("(a folder named like a note)")
    if example.setup == "deleted":
        notes.append("(checked once, then the note is deleted and the folder checked again)")
    if example.setup == "outside":
        notes.append("(reached through a symlink to a file outside the workspace)")
    if example.committed:
        notes.append(f"(in a git repository, committed on {example.committed})")
    if example.encoding != "utf-8":
        notes.append(f"(saved as {example.encoding})")
    if example.pad_bytes:
        notes.append(f"(followed by {example.pad_bytes:,} more bytes)")
    texts: list[tuple[str | None, str]] = []
    if example.earlier is not None:
        texts += [("an earlier note of the same client", example.earlier), ("this note", "")]
    if example.before is not None:
        texts += [("the note when it locked", example.before), ("the note now", "")]
    if texts:
        texts[-1] = (texts[-1][0], example.text)
    else:
        texts.append((None, example.text))
    return notes, [(caption, shown_text(text)) for caption, text in texts]


def shown_text(raw: str) -> str:
    """An example's text as it can be shown: control characters as escapes, no final
    line break."""
    return "".join(c if c.isprintable() or c in "\n\t" else f"\\x{ord(c):02x}"
                   for c in raw.rstrip("\n"))


def _example(example: Example) -> str:
    notes, texts = example_parts(example)
    parts = ["  " + note for note in notes]
    for caption, text in texts:
        if caption is not None:
            parts.append(f"  {caption}:")
        parts.append(_framed(text))
    return "\n".join(parts)


def _framed(text: str) -> str:
    """The example's text, framed."""
    return textwrap.indent(text, "    │ ", lambda line: True) if text else "    │ (empty file)"
