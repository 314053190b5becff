"""Questions the family leaves on the story's page: kept, sent to the user, decided by them."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from worker.conversation.intake import clean_text, has_content
from worker.store.book_records import FamilyLink, FamilyQuestion
from worker.store.records import Delivery, utcnow
from worker.store.store import Store

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 500
MAX_NAME_CHARS = 60
# Questions one link may leave waiting for the user's decision.
MAX_WAITING_PER_LINK = 20

ARRIVED = ("Someone in your family left a question on your story's page:\n\n“{text}”{who}\n\n"
           "Send /family ask {n} and I'll ask you about it, or /family drop {n} to let it go.")


@dataclass(frozen=True)
class Left:
    """The outcome of leaving a question: kept, or why not (for the page)."""

    question: FamilyQuestion | None
    problem: str | None = None


def leave_question(store: Store, link: FamilyLink, text: str, name: str) -> Left:
    """Keep a family member's question and send it to the user."""
    question_text = clean_text(text)
    who = " ".join(clean_text(name).split())[:MAX_NAME_CHARS] or None
    if not has_content(question_text):
        return Left(None, "Write a question first.")
    if len(question_text) > MAX_QUESTION_CHARS:
        return Left(None, f"A question can be at most {MAX_QUESTION_CHARS} characters; "
                          "yours is longer. Could you shorten it?")
    waiting = [q for q in store.family_questions(link.user)
               if q.link_id == link.link_id and q.status == "waiting"]
    if len(waiting) >= MAX_WAITING_PER_LINK:
        return Left(None, "Many questions are already waiting for an answer. Please try "
                          "again once some have been answered.")
    question = store.add_family_question(link.user, link.link_id, question_text, who)
    store.push_delivery(Delivery(user=link.user, kind="notice", text=ARRIVED.format(
        text=question_text, who=f" (from {who})" if who else "", n=question.number)))
    logger.info("user %s: a family question arrived (%s)", link.user, question.number)
    return Left(question)


def decide(store: Store, question: FamilyQuestion, ask: bool) -> FamilyQuestion:
    """The user's decision: ask it (it becomes an interview question) or let it go."""
    decided = question.model_copy(update={"status": "asked" if ask else "declined",
                                          "decided_at": utcnow()})
    store.save_family_question(decided)
    return decided
