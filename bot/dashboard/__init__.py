"""The counselor dashboard: FastAPI with server-rendered Jinja2 pages, no scripts."""

from bot.dashboard.app import create_app, run_dashboard

__all__ = ["create_app", "run_dashboard"]
