"""Log lines name no one: user ids become a keyed hash, in every line of every process.

An entry point installs :class:`HideUserIds` on its handlers, so a log line from any
module (or library) that carries a user key such as ``telegram:42`` shows ``u-3f9a...``
instead: the same user gets the same name in every process that has the same master key,
so an operator can follow one user's trouble without learning who they are. Code that
names a user on purpose (a safety alert) uses :func:`who` itself.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets

from worker.store import crypto

# a user (or group story) key: platform, optional place, id; a file ref such as
# telegram-file:... is not one
USER_ID = re.compile(r"\b(?:telegram|discord|local)(?:-group|-thread)?:[\w.@-]+")
_fallback = secrets.token_bytes(32)  # no master key installed: still keyed, per process


def who(user: str) -> str:
    """A keyed hash of a user id, for logs: stable across processes sharing a master key."""
    master = crypto.installed()
    key = master.key if master is not None else _fallback
    named = b"storyloom log\0" + user.encode("utf-8", "surrogatepass")
    return "u-" + hmac.new(key, named, hashlib.sha256).hexdigest()[:12]


def hide(text: str) -> str:
    """The text with every user id in it replaced by its keyed hash."""
    return USER_ID.sub(lambda m: who(m.group(0)), text)


class HideUserIds(logging.Filter):
    """Rewrites a record (its message with arguments, and its traceback) so no user id
    reaches a log."""

    _tracebacks = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = hide(record.getMessage()), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = self._tracebacks.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = hide(record.exc_text)
        return True


# RQ's loggers get handlers of their own (rq.logutils) and log job calls with their
# arguments: the filter sits on the loggers too
RQ_LOGGERS = ("rq.worker", "rq.job", "rq.queue", "rq.scheduler")


def hide_user_ids() -> None:
    """Install the filter on the root logger's handlers and RQ's loggers (entry points)."""
    targets: list[logging.Filterer] = [*logging.getLogger().handlers]
    targets += [logging.getLogger(name) for name in RQ_LOGGERS]
    for target in targets:
        if not any(isinstance(f, HideUserIds) for f in target.filters):
            target.addFilter(HideUserIds())
