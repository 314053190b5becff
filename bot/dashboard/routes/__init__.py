"""The dashboard's routes, one module per noun."""

from bot.dashboard.routes import (
    account,
    admin,
    alerts,
    auth,
    clients,
    family,
    invites,
    password,
    review,
    sessions,
    totp,
)

ROUTERS = [auth.router, totp.router, password.router, clients.router, sessions.router,
           invites.router, review.router, alerts.router, account.router, admin.router,
           family.router]
