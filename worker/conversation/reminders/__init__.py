"""Reminders the user chose: parsing, due times, the scheduler, the commands.

Imports worker.store and worker.conversation; nothing imports it but the command table
and the worker entry point.
"""
