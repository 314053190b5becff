"""The Discord adapter (discord.py): private DMs and community stories in threads."""
