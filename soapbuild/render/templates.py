"""The Jinja2 environment: the workspace's ``templates/`` first, then the built-in set.

As MkDocs' ``Theme.dirs`` puts a theme's ``custom_dir`` first, a file in the
workspace's templates folder overrides the built-in template of the same name,
file by file; everything else falls through to the templates shipped inside the
package. Autoescaping is on for every template and an undefined variable is an
error, so a template can neither let note text through unescaped nor print an
empty string where a value was misspelt.

Each page records which template files it was made from (its template and the
ones those extend, include or import, found by Jinja's own parser) and their
contents' hash, so a rebuild re-renders exactly the pages a changed template
feeds.
"""

from __future__ import annotations

import hashlib
import os
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path

import jinja2
import jinja2.meta

import soapbuild
from soapbuild.render.safe import finalize
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


class Templates:
    """The search path, the environment and the dependencies of each template."""

    def __init__(self, settings: Settings) -> None:
        workspace = settings.root / settings.templates_dir
        _confined(workspace, settings.root)
        self.dirs: list[Path] = [d for d in (workspace, builtin_dir()) if d.is_dir()]
        self._deps: dict[str, frozenset[str]] = {}
        self._hashes: dict[str, str] = {}

    @cached_property
    def env(self) -> jinja2.Environment:
        """The environment of this search path and these template files, made once per
        process: it keeps each template compiled, so ``watch`` renders a save with the
        templates compiled for the build before. A template added, removed or changed
        (by content, not only by time) makes another one."""
        files = tuple((name, str(self.find(name)), self.file_hash(name))
                      for name in sorted(self.all_names()))
        return _environment(tuple(str(d) for d in self.dirs), files)

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

    def dependencies(self, name: str) -> frozenset[str]:
        """``name`` and every template it extends, includes or imports, transitively.

        A template that names another by an expression cannot be followed; it then
        depends on every template in the search path, so that a change still
        re-renders it.
        """
        if name in self._deps:
            return self._deps[name]
        self._deps[name] = frozenset({name})  # guards against cycles while walking
        found = {name}
        path = self.find(name)
        if path is not None:
            source = path.read_text("utf-8")
            try:
                referenced = list(jinja2.meta.find_referenced_templates(self.env.parse(source)))
            except jinja2.TemplateSyntaxError:
                referenced = []  # rendering reports the error with its line
            for other in referenced:
                if other is None:
                    found |= self.all_names()
                else:
                    found |= self.dependencies(other)
        self._deps[name] = frozenset(found)
        return self._deps[name]

    def all_names(self) -> set[str]:
        names: set[str] = set()
        for folder in self.dirs:
            names.update(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                         if p.is_file())
        return names

    def fingerprint(self, *names: str) -> str:
        """One hash over the files that the named templates are made from."""
        deps = sorted(set().union(*(self.dependencies(n) for n in names)))
        digest = hashlib.sha256()
        for dep in deps:
            digest.update(f"{dep}\0{self.file_hash(dep)}\0".encode())
        return digest.hexdigest()

    def render(self, name: str, context: dict[str, object]) -> str:
        return self.env.get_template(name).render(context)


@lru_cache(maxsize=4)
def _environment(dirs: tuple[str, ...], files: tuple[tuple[str, str, str], ...],
                 ) -> jinja2.Environment:
    """``files`` (name, path, content hash) only keys the cache."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(list(dirs)),
        autoescape=True,
        finalize=finalize,  # soapbuild.render.safe: no forbidden code point in a page
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
