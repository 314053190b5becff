"""The language model: locating, converting, loading and generating."""
