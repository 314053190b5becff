"""Learning from each user: training data, LoRA fine-tunes, evaluation, the adapter registry.

Imports llm, story (the probe installment), store, ops, counsel.pii and the command types.
"""
