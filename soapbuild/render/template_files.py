"""The template files of a workspace: its ``templates/`` first, then the built-in set.

Which files there are and what they hold is all a build's key needs to know of the
templates, and knowing it needs no Jinja2: an up-to-date build (issue 15) hashes the
files without importing it. :mod:`soapbuild.render.templates` builds the environment
on top of this search path.
"""

from __future__ import annotations

import hashlib
import os
from importlib import resources
from pathlib import Path

import soapbuild
from soapbuild.settings import Settings


def builtin_dir() -> Path:
    """The built-in templates: ``soapbuild/templates`` in a wheel, ``templates/`` in a checkout.

    The wheel maps the repository's top-level ``templates/`` folder into the
    package (``package-dir`` in pyproject.toml); a source checkout or an
    editable install reads the folder where it is.
    """
    packaged = Path(str(resources.files(soapbuild).joinpath("templates")))
    if packaged.is_dir():
        return packaged
    return Path(soapbuild.__file__).resolve().parent.parent / "templates"


def _confined(folder: Path, root: Path) -> None:
    """Refuse a workspace template folder, or a file or folder in it, that is a link out of
    the workspace: its content would reach ``output/`` and the PDFs (issue 16, finding 3).

    Raises :class:`soapbuild.render.BuildError`.
    """
    from soapbuild.confined import OutsideWorkspace, check_inside
    from soapbuild.render import BuildError

    if not folder.exists() and not folder.is_symlink():
        return
    try:
        check_inside(folder, root, "the templates folder")
        for top, dirs, files in os.walk(folder):
            for name in sorted([*dirs, *files]):
                check_inside(Path(top) / name, root, "a template")
    except OutsideWorkspace as error:
        raise BuildError(str(error)) from None


class TemplateFiles:
    """The search path of the templates and each file's content hash."""

    def __init__(self, settings: Settings) -> None:
        workspace = settings.root / settings.templates_dir
        _confined(workspace, settings.root)
        self.dirs: list[Path] = [d for d in (workspace, builtin_dir()) if d.is_dir()]
        self._deps: dict[str, frozenset[str]] = {}
        self._hashes: dict[str, str] = {}

    def find(self, name: str) -> Path | None:
        """The file a template name resolves to (the workspace's copy wins)."""
        for folder in self.dirs:
            candidate = folder / name
            if candidate.is_file():
                return candidate
        return None

    def file_hash(self, name: str) -> str:
        """The content hash of the file ``name`` resolves to ("" when there is none)."""
        if name not in self._hashes:
            path = self.find(name)
            self._hashes[name] = (hashlib.sha256(path.read_bytes()).hexdigest()
                                  if path is not None else "")
        return self._hashes[name]

    def all_names(self) -> set[str]:
        names: set[str] = set()
        for folder in self.dirs:
            names.update(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                         if p.is_file())
        return names
