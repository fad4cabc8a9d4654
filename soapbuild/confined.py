"""Where soapbuild may read and write, with symbolic links followed (SPEC 7).

soapbuild writes only to ``output/`` and ``.soapbuild/`` and reads nothing outside
the workspace. A path is judged by where it really leads: a symbolic link inside
the workspace that points out of it (a note linked to ``/etc/passwd``, a
template linked to a file elsewhere, a dangling ``.soapbuild/seals.json`` link,
a ``.soapbuild/cache`` linked to another folder) is outside, and is refused
rather than followed (issue 16, finding 3). A link that stays inside the
workspace is fine.

Every writer of ``.soapbuild/`` (the seals, the originals, the build cache and
its lock, and the cache of issue 15) goes through :func:`own_folder`, so that a
``.soapbuild`` that is a file, or a link out of the workspace, gives one clear
message instead of a traceback or a write elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path


class OutsideWorkspace(OSError):
    """A path soapbuild would read or write leads out of the workspace or is not a folder.

    An OSError, so that every writer's existing "cannot be written" handling
    carries the message to the user.
    """


def real(path: Path) -> Path:
    """Where ``path`` really leads; never raises (a link loop resolves to some path)."""
    return Path(os.path.realpath(path))


def inside(path: Path, root: Path) -> bool:
    """Whether ``path``, links followed (a dangling link to its target), lies in ``root``."""
    return real(path).is_relative_to(real(root))


def check_inside(path: Path, root: Path, what: str) -> Path:
    """``path`` itself when it leads to a place inside ``root``; raises OutsideWorkspace."""
    if not inside(path, root):
        raise OutsideWorkspace(f"{path}: {what} is a link that leads outside the workspace "
                               f"({real(root)}) to {real(path)}; soapbuild reads and writes "
                               "only inside the workspace: replace the link with the "
                               "file or folder itself")
    return path


def own_folder(root: Path, relative: Path) -> Path:
    """``root / relative`` (e.g. ``.soapbuild/cache``) as a folder inside the workspace,
    made if missing. Raises OutsideWorkspace when a part of it is a file or leads out."""
    current = root
    for part in relative.parts:
        current = current / part
        check_inside(current, root, "soapbuild's own folder")
        if current.exists() and not current.is_dir():
            raise OutsideWorkspace(f"{current}: is a file, but soapbuild keeps its seals and "
                                   "cache in a folder of this name; move the file away")
        if not current.exists():
            current.mkdir(exist_ok=True)
    return current
