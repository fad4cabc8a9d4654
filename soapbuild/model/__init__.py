"""Step 2 of the pipeline, parse: one file read once into an immutable model.

``parse.py`` turns a note's bytes into a :class:`~soapbuild.model.note.Note`:
``source.py`` maps offsets to ``line:col``, ``frontmatter.py`` composes the YAML
nodes (keeping positions, refusing aliases), ``header.py`` types the fields,
``body.py`` finds blocks, sections, addenda, quotations and the masked prose.
``timeparse.py`` reads dates and times, ``formats.py`` the note formats,
``schedule.py`` the practice's schedule, and ``findings.py`` what a rule reports.
"""
