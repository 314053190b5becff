"""The story engine: plan, prompt, N drafts in one batched call, rerank, repair, deliver.

Runs inside the generate worker (``worker.ops.jobs``); everything it loads (the
language model, spaCy, the emotion classifier) is loaded once per process.
"""

from __future__ import annotations

import logging
import re
import zlib

from worker.llm.model import LanguageModel
from worker.ops import metrics
from worker.profile.model import Profile
from worker.settings import Settings
from worker.store.records import (
    ChatMessage,
    Delivery,
    Installment,
    StoryRequest,
    UserSettings,
)
from worker.store.store import Store
from worker.story import tones
from worker.story.draft import Draft, Written
from worker.story.grounded import checked_sentences, compose_installment
from worker.story.photos import photos_for
from worker.story.planner import Plan, plan_again, plan_next
from worker.story.prompt import Prompt, build_prompt
from worker.story.rerank import Judge, repair, score
from worker.story.scoring import known_vocabulary
from worker.story.streaming import DraftStreamer, LivePreview
from worker.story.tones import ToneChoice, choose_tone
from worker.story.tools import emotion_classifier, spacy_pipeline
from worker.story.training import training_records
from worker.story.voice import in_pov

logger = logging.getLogger(__name__)

NOTHING_YET = (
    "I don't know enough about your life yet to write a story. Tell me about a person, "
    "a place or a moment that matters to you, then send /story again."
)
CAUGHT_UP = (
    "Your story has caught up with everything you've told me. Tell me about another "
    "moment, or ask for one you'd like told again with /about <person, place or event>."
)
UNSAFE = (
    "I couldn't write a version of this part that I'd be happy to share. Nothing was lost; "
    "send /story to try again, or tell me more about this memory."
)


class StoryWriter:
    """Writes one installment for one request."""

    def __init__(self, settings: Settings, store: Store, model: LanguageModel) -> None:
        self.settings = settings
        self.store = store
        self.model = model

    def plan(self, request: StoryRequest, profile: Profile, story: list[Installment],
             prefs: UserSettings) -> Plan | None:
        """What the installment tells, by request kind."""
        if request.kind == "retry" and request.replaces:
            old = self.store.get_installment(request.user, request.replaces)
            return plan_again(profile, old, prefs.pov, prefs.name) if old else None
        lengths = {t.turn_id: len(t.text.split()) for t in self.store.turns(request.user)}
        found = plan_next(profile, story, prefs.pov, prefs.name, about=request.about,
                          tone=tones.canonical(request.tone), lengths=lengths)
        if found is None and request.kind == "continue" and story:
            return plan_again(profile, story[-1], prefs.pov, prefs.name)
        return found

    def prompt(self, user: str, plan: Plan, tone: str, prefs: UserSettings,
               story: list[Installment], continuing: bool) -> tuple[Prompt, int]:
        """The prompt of an installment in the user's current chapter, and that chapter."""
        state = self.store.get_story_state(user)
        chapter = state.chapters[-1].number if state.chapters else 1
        prompt = build_prompt(
            plan, tone, prefs.pov, prefs.tense, story,
            chapters={c.number: c.title for c in state.chapters}, chapter=chapter,
            name=prefs.name, continuing=continuing,
            budget=self.settings.storyloom_prompt_tokens, count=self.model.count_tokens)
        return prompt, chapter

    def judge(self, plan: Plan, tone: str, profile: Profile, earlier: list[str],
              prefs: UserSettings, prompt: Prompt | None) -> Judge:
        people = [n for p in profile.people for n in (p.name, *p.aliases)]
        extra = [prefs.name] if prefs.name else []
        return Judge(plan=plan, tone=tone, known=known_vocabulary(profile, extra),
                     known_people=[in_pov(n, prefs.pov, prefs.name) for n in people],
                     earlier=earlier, nlp=spacy_pipeline(), classifier=emotion_classifier(
                         self.settings.storyloom_emotion_precision),
                     perplexity=lambda texts: self.model.perplexity(
                         texts, prompt.messages if prompt else None))

    def draft(self, request: StoryRequest, prompt: Prompt, judge: Judge, seed: int | None,
              stream: bool = True) -> Draft:
        """Sample N drafts in one batched call (streaming the leader) and score them."""
        s = self.settings
        streamer = None
        # a held installment waits for its counselor: no live preview reaches the client
        if stream and s.storyloom_stream and not self.store.review_hold(request.user):
            tok = self.model.tokenizer
            preview = LivePreview(
                lambda p: self.store.push_progress(request.user, p), request.request_id,
                lambda ids: tok.decode(ids, skip_special_tokens=True), prompt.prefix,
                judge.plan.anchors, judge.known_people)
            streamer = DraftStreamer(preview)
        generation = self.model.generate(
            prompt.messages, prefix=prompt.prefix, max_new_tokens=s.storyloom_max_new_tokens,
            temperature=s.storyloom_temperature, top_p=s.storyloom_top_p, seed=seed,
            num_return_sequences=s.storyloom_drafts, streamer=streamer)
        metrics.observe_generation(generation.stats)
        texts = [tidy(t) for t in generation.texts]
        scores = score(texts, judge)
        if not s.storyloom_repair:
            return Draft(prompt, generation, texts, scores, texts, scores)
        fixed = [repair(t, sc, judge) for t, sc in zip(texts, scores, strict=True)]
        changed = [i for i, (a, b) in enumerate(zip(texts, fixed, strict=True)) if a != b]
        rescored = dict(zip(changed, score([fixed[i] for i in changed], judge), strict=True))
        final = [rescored.get(i, sc) for i, sc in enumerate(scores)]
        return Draft(prompt, generation, texts, scores, fixed, final)


    def _request_prompt(self, request: StoryRequest, plan: Plan, choice: ToneChoice,
                        prefs: UserSettings, story: list[Installment]) -> Prompt:
        """The story prompt of a request's moments (a /retry leaves out the part it
        replaces)."""
        prompt, _ = self.prompt(
            request.user, plan, choice.target, prefs,
            [i for i in story if i.installment_id != request.replaces],
            continuing=request.kind == "continue" and bool(story))
        return prompt

    def write(self, request: StoryRequest, profile: Profile) -> str | None:
        """Write, store and deliver one installment; its id, or None with a notice sent."""
        user, store = request.user, self.store
        prefs = store.get_settings(user)
        story = store.installments(user)
        plan = self.plan(request, profile, story, prefs)
        if plan is None:
            self._notice(request, NOTHING_YET if not profile.events else CAUGHT_UP)
            return None
        choice = choose_tone(request.tone, store.get_safety(user).level, profile, plan)
        seed = request_seed(self.settings.storyloom_seed, request.request_id)
        if self.settings.storyloom_composer == "grounded":
            done = compose_installment(self.settings, self.store, self.model, request, plan,
                                       choice, profile, story, prefs, seed,
                                       lambda: self.judge(plan, choice.target, profile,
                                                          [i.text for i in story], prefs, None))
            if done is not None and not done.prompt:
                # the story prompt of these moments: what the fine-tune learns to answer
                # with the kept installment (its preference pairs need it)
                done.prompt = to_messages(self._request_prompt(request, plan, choice, prefs,
                                                               story))
        else:
            done = self._free(request, plan, choice, profile, story, prefs, seed)
        store.end_progress(user, request.request_id)
        if done is None:
            self._notice(request, UNSAFE)
            return None
        return self._deliver(request, plan, choice, done, story)

    def _free(self, request: StoryRequest, plan: Plan, choice: ToneChoice, profile: Profile,
              story: list[Installment], prefs: UserSettings, seed: int | None) -> Written | None:
        """The model's own paragraphs, reranked and repaired, then kept only sentence by
        sentence where each passes the grounding checks."""
        user = request.user
        earlier = [i.text for i in story if i.installment_id != request.replaces]
        prompt = self._request_prompt(request, plan, choice, prefs, story)
        judge = self.judge(plan, choice.target, profile, earlier, prefs, prompt)
        round_ = self.draft(request, prompt, judge, seed)
        chosen = round_.choose()
        if chosen is None:  # every draft failed moderation: one more batch, then give up
            logger.warning("user %s: all drafts failed moderation; drafting again", user)
            round_ = self.draft(request, prompt, judge, None if seed is None else seed + 1)
            chosen = round_.choose()
        elif not round_.final_scores[chosen].tone_ok and self.settings.storyloom_tone_retry:
            # the emotion regulator: no draft carries the mood asked for, so one more batch
            # (its preview not streamed over the first's), and the best of both is kept
            logger.info("user %s: no draft in the %s tone; drafting once more", user, choice.target)
            more = self.draft(request, prompt, judge, None if seed is None else seed + 7,
                              stream=False)
            round_ = round_.extend(more)
            chosen = round_.choose()
        if chosen is None:
            return None
        text = round_.final_texts[chosen]
        sentences = checked_sentences(self.store, text, plan, profile, prefs)
        if not sentences:
            return None
        kept = " ".join(s.text for s in sentences)
        scores = round_.final_scores[chosen] if kept == text else score([kept], judge)[0]
        return Written(text=kept, sentences=sentences, scores=scores,
                       stats=round_.generation.stats, prompt=to_messages(round_.prompt),
                       prefix=round_.prompt.prefix, first_draft=round_.scores[0],
                       best_raw=round_.scores[chosen], repaired=kept != round_.texts[chosen],
                       drafts=len(round_.scores), context_parts=round_.prompt.context_parts,
                       round_=round_, chosen=chosen)

    def _deliver(self, request: StoryRequest, plan: Plan, choice: ToneChoice, done: Written,
                 story: list[Installment]) -> str | None:
        prefs = self.store.get_settings(request.user)
        state = self.store.get_story_state(request.user)
        chapter = state.chapters[-1].number if state.chapters else 1
        old = story[-1] if request.kind == "retry" and story else None
        replaces = old.installment_id if old and old.installment_id == request.replaces else None
        profile_people = tuple(dict.fromkeys(a.label for a in plan.anchors if a.kind == "person"))
        installment = Installment(
            user=request.user, request_id=request.request_id,
            number=old.number if replaces and old else len(story) + 1, text=done.text,
            tone=choice.label, event_ids=plan.event_ids, people=profile_people,
            places=tuple(a.label for a in plan.anchors if a.kind == "place"),
            stats=done.stats, kind=request.kind, chapter=chapter, pov=prefs.pov,
            tense=prefs.tense, requested_tone=request.tone, tone_target=choice.target,
            tone_override=choice.overridden, beats=tuple(b.text for b in plan.beats),
            planned=tuple(a.label for a in plan.anchors), prompt=done.prompt,
            prefix=done.prefix, scores=done.scores, first_draft=done.first_draft,
            best_raw=done.best_raw, repaired=done.repaired, drafts=done.drafts,
            replaces=replaces, after_turn=request.after_turn, turn_ids=plan.turn_ids,
            context_parts=done.context_parts, sentences=done.sentences,
        )
        # the photos the user sent with these moments sit beside the installment
        installment = installment.model_copy(
            update={"photo_ids": photos_for(self.store, request.user, installment)})
        delivery = Delivery(user=request.user, kind="installment", text=done.text,
                            in_reply_to=request.request_id,
                            installment_id=installment.installment_id, tone=choice.label)
        records = training_records(installment, done.round_, done.chosen,
                                   old if replaces else None,
                                   story[-1] if story and not replaces else None, plan)
        if not self.store.save_installment(installment, delivery, replace=replaces,
                                           records=records):
            logger.info("request %s was already fulfilled; not delivering twice",
                        request.request_id)
            return self.store.request_done(request.request_id)
        logger.info("user %s: installment %s written (%s drafts, %s tokens, %.1f tok/s)",
                    request.user, installment.installment_id, installment.drafts,
                    done.stats.new_tokens, done.stats.tokens_per_s)
        return installment.installment_id

    def _notice(self, request: StoryRequest, text: str) -> None:
        self.store.push_delivery(Delivery(user=request.user, kind="notice", text=text,
                                          in_reply_to=request.request_id))


def tidy(text: str) -> str:
    """Drop an unfinished last sentence and stray whitespace from generated text."""
    text = re.sub(r"\s+", " ", text).strip()
    cut = max(text.rfind(ch) for ch in ".!?\"”")
    if cut > 0:
        return text[: cut + 1]
    return text + "..." if text else text


def request_seed(seed: int | None, request_id: str) -> int | None:
    """A fixed seed made distinct per request, so /retry gives another version."""
    return None if seed is None else seed + zlib.crc32(request_id.encode()) % 1_000_003


def to_messages(prompt: Prompt) -> tuple[ChatMessage, ...]:
    """A prompt as it is kept with installments and training records."""
    return tuple(ChatMessage(role=m["role"], content=m["content"]) for m in prompt.messages)


__all__ = ["StoryWriter", "ToneChoice", "build_prompt", "choose_tone", "tidy", "to_messages"]
