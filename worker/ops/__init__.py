"""How the engine runs: connection, RQ queues and jobs, processes, backpressure, health, metrics,
logs.

metrics, connection, queues, logs (user ids hidden) and purge (a forgotten user's jobs) are
leaves any room may use;
runtime, runner and jobs wire story, llm and profile together.
"""
