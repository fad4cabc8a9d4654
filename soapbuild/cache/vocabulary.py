"""The built-in vocabulary, parsed from TOML once and kept in the cache (issue 15).

Every check (a commit's hook too) needs the built-in vocabulary, and parsing its
TOML files cost ~20 ms a run, ten times what reading back the parsed entries costs.
The entry is named by soapbuild's own fingerprint
(:func:`~soapbuild.cache.keys.package_fingerprint`): another version or a local edit
of the files finds another name and parses them again. What reads back as anything
but a tuple of entries is ignored (and replaced), like any damaged cache entry.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from soapbuild.cache.keys import package_fingerprint
from soapbuild.cache.pickles import dump, load
from soapbuild.cache.store import CacheRefused, Store
from soapbuild.rules import lexicon

KIND = "packaged"


def keep_builtin_vocabulary(root: Path) -> bool:
    """Take the built-in vocabulary from the cache of the workspace at ``root``, or parse it
    and keep it there; True when it came from the cache."""
    try:
        store = Store.open(root, KIND)
    except (CacheRefused, OSError):
        return False
    try:
        name = hashlib.sha256(f"vocabulary {package_fingerprint()}".encode()).hexdigest()
        content = store.read(name)
        kept = load(content) if content is not None else None
        if isinstance(kept, tuple) and kept and all(isinstance(e, lexicon.Entry) for e in kept):
            lexicon.use_builtin_entries(kept)
            return True
        store.write(name, dump(lexicon.builtin_entries()))
        return False
    finally:
        store.close()
