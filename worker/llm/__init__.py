"""The language model: locating, converting, loading and generating.

Imports store, settings, ops.metrics, nlu.int8 and the training registry (adapter versions).
"""
