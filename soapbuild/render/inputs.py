"""What a build reads, declared once: the build key hashes it and ``watch`` watches it.

A build depends on the notes, the templates (the workspace's and the built-in
ones), the settings file, the vocabulary files and the schedule. The key of a
build (:func:`soapbuild.render.build_key`) and the watcher's idea of which
changes matter (:mod:`soapbuild.preview.watcher`) both come from
:class:`BuildInputs`, so a new input cannot be hashed and not watched, or the
other way round. Never inputs: ``output/`` and ``.soapbuild/`` (the build
writes there; watching them would rebuild forever, sphinx-autobuild #187) and
editors' scratch files.
"""

from __future__ import annotations

from pathlib import Path

from soapbuild.settings import SETTINGS_FILE, Settings

SCRATCH_SUFFIXES = (".swp", ".swo", ".swx", ".tmp", "~")


def scratch(name: str) -> bool:
    """An editor's temporary file, not a note: Vim's swap and write-test files,
    Emacs' backups and lock links."""
    return name.endswith(SCRATCH_SUFFIXES) or name.startswith(".#") or name == "4913"


class BuildInputs:
    """Which paths of a workspace a build reads, and so which changes matter."""

    def __init__(self, settings: Settings) -> None:
        root = settings.root.resolve()
        self.root = root
        self.notes = (root / settings.notes_dir).resolve()
        self.trees = tuple(dict.fromkeys([self.notes, (root / settings.templates_dir).resolve()]))
        # Files whose bytes a build reads beside the notes and templates, by their
        # name in the settings (the build key names them so).
        self.data_files = tuple((name, root / name) for name in (
            *settings.vocabulary_extend, *([settings.schedule] if settings.schedule else [])))
        self.files = frozenset({path.resolve() for _, path in self.data_files}
                               | ({settings.source.resolve()} if settings.source else set())
                               | {root / SETTINGS_FILE, root / "pyproject.toml"})
        self.skipped = ((root / settings.output_dir).resolve(), root / ".soapbuild")

    def folders(self) -> list[tuple[Path, bool]]:
        """The folders to watch, each with whether to watch it recursively: the
        trees that exist, and the folder of every single file (not recursively)."""
        found: dict[Path, bool] = {}
        for tree in self.trees:
            if tree.is_dir():
                found[tree] = True
        for file in self.files:
            if file.parent.is_dir():
                found.setdefault(file.parent, False)
        return list(found.items())

    def matter(self, path: Path) -> bool:
        """Whether a change to ``path`` can change the output."""
        if scratch(path.name):
            return False
        path = Path(*path.parts)  # normalised, not resolved: a deleted file has no target
        if any(path == skip or path.is_relative_to(skip) for skip in self.skipped):
            return False
        if path in self.files:
            return True
        return any(path.is_relative_to(tree) for tree in self.trees)
