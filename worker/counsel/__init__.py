"""The counselor side and a person's data rights: sessions, review, export, erasure, PII.

Imports store, profile, nlu, ops.purge, and from conversation only the command types and intake.
"""
