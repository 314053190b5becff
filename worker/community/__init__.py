"""Community co-writing: stories several members write together in one place.

``stories`` (start, contribute, recap, export, end), ``votes`` (directions for
the next part) and ``weave`` (the generate-queue job that writes a part).
Nothing here reads a member's private story unless that member turned
sharing on (``/share on``). Imports story, store, ops, counsel and conversation.intake.
"""
