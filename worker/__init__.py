"""The engine: settings, the store, the chat side, the story engine, the model and its training.

Imports nlu, never bot. Rooms are listed in README ("Where things live").
"""
