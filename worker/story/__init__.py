"""The story engine: what the next installment tells and how it is written."""
