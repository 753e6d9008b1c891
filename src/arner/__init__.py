"""arner: Arabic named-entity recognition for conflict news.

Labels: MILITIA (non-state armed groups), PLACE (named places) and CASUALTY
(numbers of people killed or wounded). Every tool reads and writes documents as
character spans over the raw text (see :mod:`arner.spans`).
"""

__version__ = "0.1.0"
