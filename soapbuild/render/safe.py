"""Safe output, in one place: what note text may become in a page, a PDF or a link.

SPEC 7 ("Safe output"): note text can never run in the browser or the PDF, and
rendering fetches nothing from the network and reads no file outside the
workspace. Everything that decides this is here, so that a reviewer reads one
module (SECURITY.md maps each promise to its test):

* **Text into HTML** (:func:`escape`): markupsafe's escaping (``& < > " '``), and
  the code points that HTML forbids in a document (C0 controls other than tab,
  line feed, form feed and carriage return; DEL and the C1 controls;
  noncharacters) shown as U+FFFD. A note that is text with a NUL byte far into
  it is read as text (only a NUL near the start marks a binary file, R003), and
  its NUL must not reach the page (issue 16, finding 7).
* **Templates** (:func:`finalize`): Jinja2 autoescapes every ``{{ }}`` (see
  :mod:`.templates`), and the environment's ``finalize`` cleans each value the
  same way, markup included, so no template can put a forbidden code point into
  a page. Note text is only ever a value given to a template, never a template:
  nothing in a note is evaluated (``{{ 7*7 }}`` in a note is shown as typed).
* **Markdown** (:func:`allowed_link`, :data:`LINK_REL`, :func:`clean_html`): raw
  HTML is off in the renderer (:mod:`.markdown`), images are off, a link keeps
  only an ``http:``, ``https:`` or ``mailto:`` target and gets
  ``rel="noopener noreferrer nofollow"``.
* **The PDF's resources** (:func:`allowed_file`): WeasyPrint's URL fetcher
  (:mod:`.pdf`) answers ``data:`` URIs and ``file:`` URLs under the allowed
  folders only; anything else is :class:`FetchRefused`.
* **File names**: output names come from :mod:`.names` and pass
  :func:`soapbuild.render.output.check_name`, so a client ID cannot place a file
  outside ``output/``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import markupsafe
from markupsafe import Markup

ALLOWED_SCHEMES = ("http://", "https://", "mailto:")
LINK_REL = "noopener noreferrer nofollow"

# HTML's "control" and "noncharacter" code points, which a document must not hold
# (HTML Living Standard 13.2.3.5, "preprocessing the input stream"); tab, LF, FF
# and CR are whitespace and stay.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff"
                        "\U0001fffe\U0001ffff\U0010fffe\U0010ffff]")
REPLACEMENT = "\ufffd"


def clean_text(text: str) -> str:
    """``text`` with every code point HTML forbids shown as U+FFFD."""
    return _FORBIDDEN.sub(REPLACEMENT, text)


def escape(value: object) -> Markup:
    """``value`` as HTML text: escaped, and clean of forbidden code points."""
    escaped = markupsafe.escape(value)
    return Markup(clean_text(str(escaped)))


def clean_html(html: str) -> Markup:
    """HTML made by soapbuild's own renderers (already escaped) with forbidden code points
    replaced: the renderers pass text characters through, and a page must not hold them."""
    return Markup(clean_text(html))


def finalize(value: Any) -> Any:
    """Jinja2's ``finalize``: each ``{{ }}`` value cleaned before it is escaped. Markup stays
    markup (it was escaped where it was made); other values stay what they are, so that
    autoescaping still escapes them."""
    if isinstance(value, Markup):
        return Markup(clean_text(str(value)))
    if isinstance(value, str):
        return clean_text(value)
    return value


def allowed_link(url: str) -> bool:
    """Whether a Markdown link may keep its target: ``http:``, ``https:`` or ``mailto:``."""
    return url.strip().lower().startswith(ALLOWED_SCHEMES)


class FetchRefused(ValueError):
    """A resource the PDF may not load: not ``data:``, or a file outside the allowed folders."""


def allowed_file(url: str, roots: Sequence[Path]) -> Path:
    """The file a ``file:`` URL names, if it lies under one of ``roots``; else FetchRefused.

    Both sides are resolved (``..`` and symlinks followed), so a symlink inside a
    root that points outside it is refused. A host other than ``localhost``
    (``file://server/share``) is refused too.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() != "file":
        raise FetchRefused(f"not a file URL: {url}")
    if parts.netloc not in ("", "localhost"):
        raise FetchRefused(f"file URL on another host: {url}")
    try:
        path = Path(os.path.realpath(url2pathname(unquote(parts.path))))
    except (OSError, ValueError) as error:
        raise FetchRefused(f"cannot resolve {url}: {error}") from None
    for root in roots:
        if path.is_relative_to(os.path.realpath(root)) and path.is_file():
            return path
    raise FetchRefused(f"outside the workspace's templates and output folders: {url}")
