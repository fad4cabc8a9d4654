"""``soapbuild lsp``: the checks as a language server, so any editor shows findings as a
note is typed.

The server (:mod:`.server`) is the only module that imports pygls; the others are
plain functions over soapbuild's own model, testable without an editor:
:mod:`.positions` (character columns to the client's code units),
:mod:`.workspace` (one note's findings with the workspace's settings and the other
notes' pieces: the same pipeline as ``soapbuild check``), :mod:`.actions` (quick
fixes), :mod:`.hover` and :mod:`.completion`.
"""
