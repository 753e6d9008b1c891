"""Converters between arner's span documents and external formats.

One module per format; each reads into, or writes from, validated
:class:`arner.spans.Document` objects (character offsets into the raw text):

- :mod:`arner.formats.iob2` - spans <-> word-level IOB2 tags over
  :func:`arner.text.tokenize` tokens, with an :class:`~arner.formats.iob2.AlignmentReport`
  counting spans that had to be widened to whole tokens.
- :mod:`arner.formats.conll` - CoNLL-style ``token TAG`` files (ANERcorp, AQMAR,
  NewsFANE/WikiFANE, nested Wojood): :func:`~arner.formats.conll.read_conll`,
  :func:`~arner.formats.conll.write_conll` and :func:`~arner.formats.conll.map_labels`
  to rename a corpus's labels to arner's.
- :mod:`arner.formats.labelstudio` - Label Studio JSON tasks for the
  Labels-on-Text template: :func:`~arner.formats.labelstudio.export_tasks` and
  :func:`~arner.formats.labelstudio.import_tasks`, which repairs Label Studio's known
  offset bugs when the repair is unambiguous and counts every repair.

Every skip or repair is counted in a report object; bad input raises
:class:`arner.spans.SpanError` naming the file, line or task and the value.
"""
