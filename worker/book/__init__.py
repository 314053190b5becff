"""The book: a user's story gathered from the store (``content``), as Markdown and EPUB
(``formats``) and as a print-ready PDF (``pdf``), and the /book command (``commands``).

Imports store, profile, story.photos (where each photo goes) and the command types.
"""
