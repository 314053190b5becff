"""The family's side of a story: private read-only links (/family), what their page shows,
and the questions they leave, which reach the user, who decides if they are asked.

Imports store, book, profile and the command types.
"""
