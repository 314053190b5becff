"""Benchmarks and evaluation (`storyloom bench`, `storyloom eval`): the engine measured outside.

Imports bot, worker and nlu; nothing imports it but the CLI, lazily, inside its subcommands.
"""
