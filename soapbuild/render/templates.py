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
from functools import cached_property, lru_cache

import jinja2
import jinja2.meta

from soapbuild.render.safe import finalize
from soapbuild.render.template_files import TemplateFiles, builtin_dir

__all__ = ["TemplateFiles", "Templates", "builtin_dir"]


class Templates(TemplateFiles):
    """The environment and the dependencies of each template, over the search path."""

    @cached_property
    def env(self) -> jinja2.Environment:
        """The environment of this search path and these template files, made once per
        process: it keeps each template compiled, so ``watch`` renders a save with the
        templates compiled for the build before. A template added, removed or changed
        (by content, not only by time) makes another one."""
        files = tuple((name, str(self.find(name)), self.file_hash(name))
                      for name in sorted(self.all_names()))
        return _environment(tuple(str(d) for d in self.dirs), files)

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
