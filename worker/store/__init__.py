"""The one place that reads and writes user data in Redis.

Everything a user told storyloom, and everything derived from it, passes
through :class:`Store`, so encryption, deletion and export have exactly one
place to live. It is split by noun; every part writes records through the
shared codec in :mod:`worker.store.base`. Records read back are validated; a
record that fails goes to the dead-letter stream with a log line.
"""
