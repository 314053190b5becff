"""The book and the family page's content: a user's story gathered from the store
(``content``), as Markdown and EPUB (``formats``) and a print-ready PDF (``pdf``), /book
(``commands``), and the family's private links and the questions they leave (``family``,
``family_questions``).

Imports store, profile, story.photos (where each photo goes) and the command types.
"""
