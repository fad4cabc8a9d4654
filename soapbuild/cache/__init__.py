"""The cache of issue 15: what a run can keep for the next, in ``.soapbuild/cache/``.

One job: keep per-note work (:mod:`.notes`) safely on disk (:mod:`.store`) under keys
that change with everything it depends on (:mod:`.keys`). The checker consults it
through one seam, :class:`soapbuild.checker.PieceCache`; cross-note findings (copied
text, the schedule, locks and history) are always recomputed from the pieces.
:func:`open_note_cache` is how a command gets one: ``None`` when the cache cannot be
used (a symlinked cache folder, a read-only workspace, a platform without
``O_NOFOLLOW``), and the run goes on without it.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when used: the checker imports .pickles, this imports it
    from soapbuild.cache.notes import NoteCache
    from soapbuild.settings import Settings


def remember() -> None:
    """Keep the pieces in memory too, for a process that checks again and again (``watch``)."""
    from soapbuild.cache import notes

    notes.remember()


def open_note_cache(settings: Settings) -> NoteCache | None:
    """The workspace's note cache, or None (with a word on stderr if it was refused)."""
    from soapbuild.cache.keys import config_key, package_fingerprint
    from soapbuild.cache.notes import KIND, NoteCache
    from soapbuild.cache.store import CacheRefused, Store

    try:
        store = Store.open(settings.root, KIND)
    except CacheRefused as error:
        print(f"soapbuild: not using the cache: {error}", file=sys.stderr)
        return None
    except OSError:
        return None
    code = package_fingerprint()
    return NoteCache(store, config_key(settings, code), code)
