"""The one place that reads and writes user data in Redis.

Everything a user told storyloom, and everything derived from it, passes
through :class:`Store`, so encryption, deletion and export have exactly one
place to live. It is split by noun; every part writes records through the
shared codec in :mod:`worker.store.base`. Records read back are validated; a
record that fails goes to the dead-letter stream with a log line.
"""

from __future__ import annotations

from worker.store.adapters import AdapterStore
from worker.store.base import StoreBase, platform_of
from worker.store.community import CommunityStore
from worker.store.consent import ConsentStore
from worker.store.deliveries import DeliveryStore
from worker.store.feedback import FeedbackStore
from worker.store.profiles import ProfileStore
from worker.store.reminders import ReminderStore
from worker.store.revisions import RevisionStore
from worker.store.safety import SafetyStore
from worker.store.shred import ShredStore
from worker.store.story import StoryStore
from worker.store.story_state import StoryStateStore
from worker.store.turns import TurnStore
from worker.store.users import UserStore
from worker.store.voice import VoiceStore


class Store(
    ReminderStore, VoiceStore, AdapterStore, ShredStore, RevisionStore, CommunityStore,
    ConsentStore, FeedbackStore, TurnStore, ProfileStore, StoryStore, StoryStateStore,
    DeliveryStore, SafetyStore, UserStore,
):
    """All user data: turns (and their edits), profiles, settings, installments, story
    state, deliveries, users, consent, feedback, community stories, erasure and the
    counselor side (accounts, links, guided sessions, review, alerts, pseudonyms,
    shredding), and the learning loop's adapter registry."""


__all__ = ["Store", "StoreBase", "platform_of"]
