"""What storyloom understood of a life: the profile, the knowledge graph, and how both read back.

Imports store and nlu only.
"""
