"""Sharing the record outside the practice (issue 14): which sessions
(:mod:`.selection`), as FHIR documents (:mod:`.fhir`, with the narratives of
:mod:`.narrative`) or as a payer's audit packet (:mod:`.audit`)."""
