"""The chat side: turns taken in, the NLU worker and its safety step, replies, the command table.

Imports store, profile, counsel, story, training, book, family and ops; nothing in worker
imports it but the command types (``command``) and intake.
"""
