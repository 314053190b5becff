"""Learning from each user: training data, LoRA fine-tunes, evaluation, the adapter registry."""
