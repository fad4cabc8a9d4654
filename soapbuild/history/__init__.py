"""The record's history: seals of locked notes, git, and the pre-commit hook.

Whatever a check needs from the history (the locked text of a note) is loaded
here, before the rules run; the rules never start a process or open a file.
"""
