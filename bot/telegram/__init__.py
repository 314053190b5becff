"""The Telegram adapter (python-telegram-bot): private life-story chats and group stories."""
