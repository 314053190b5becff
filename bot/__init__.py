"""The faces: terminal, Telegram, Discord, the counselor dashboard and the CLI.

Imports worker and nlu; nothing imports bot.
"""
