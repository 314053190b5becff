"""The story engine: what the next installment tells and how it is written.

Imports llm, profile, store, nlu, ops (metrics, queues, backpressure) and the command types.
"""
