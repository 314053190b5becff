"""How the engine runs: connection, RQ queues and jobs, processes, backpressure, health, metrics.

metrics, connection and queues are leaves any room may use; runtime, runner and jobs wire story,
llm and profile together.
"""
