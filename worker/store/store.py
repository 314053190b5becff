"""Store: every part of the user-data store in one object (see the package docstring)."""

from __future__ import annotations

from worker.store.adapters import AdapterStore
from worker.store.community import CommunityStore
from worker.store.consent import ConsentStore
from worker.store.corrections import CorrectionStore
from worker.store.deliveries import DeliveryStore
from worker.store.feedback import FeedbackStore
from worker.store.photos import PhotoStore
from worker.store.profiles import ProfileStore
from worker.store.reminders import ReminderStore
from worker.store.revisions import RevisionStore
from worker.store.safety import SafetyStore
from worker.store.shred import ShredStore
from worker.store.story import StoryStore
from worker.store.story_state import StoryStateStore
from worker.store.turns import TurnStore
from worker.store.users import UserStore
from worker.store.versions import VersionStore
from worker.store.voice import VoiceStore


class Store(
    ReminderStore, VoiceStore, AdapterStore, ShredStore, RevisionStore, CommunityStore,
    ConsentStore, FeedbackStore, TurnStore, ProfileStore, VersionStore, StoryStore, StoryStateStore,
    DeliveryStore, SafetyStore, UserStore, PhotoStore, CorrectionStore,
):
    """All user data: turns (and their edits), profiles, settings, installments, story
    state, deliveries, users, consent, feedback, community stories, erasure and the
    counselor side (accounts, links, guided sessions, review, alerts, pseudonyms,
    shredding), reminders and voice notes waiting to be kept, the learning loop's adapter
    registry, and the book's photos, versions and
    corrections (the family's links live in ShredStore's FamilyStore)."""
