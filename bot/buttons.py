"""Buttons shared by the chat adapters: layouts and the data each button carries.

A button's data is a short ASCII string (Telegram allows 64 bytes of
callback_data, Discord 100 characters of custom_id): ``fb:keep:<id>``,
``fb:tone:joy:<id>``, ``fb:versions:<id>``, ``ver:<id>``, ``consent:yes``,
``forget:yes``, ``join:yes``, ``vote:<id>:<n>``, ``voice:keep:<id>``, ``safe:resume``.
"""

from __future__ import annotations

from dataclasses import dataclass

from worker.story.prompt import TONES


@dataclass(frozen=True)
class Button:
    """A button: what it says and the data a press sends back."""

    label: str
    data: str


Rows = tuple[tuple[Button, ...], ...]

TONE_LABELS = {"auto": "Let it flow", "joy": "Joyful", "sadness": "Tender", "nostalgia":
               "Nostalgic", "hope": "Hopeful", "humour": "Funny", "calm": "Calm"}


@dataclass(frozen=True)
class Press:
    """A decoded button press: its family, its action, and what it points at."""

    family: str
    action: str
    target: str = ""
    value: str = ""


def consent_buttons() -> Rows:
    """Agree / not now, under the /start explanation."""
    return ((Button("I agree", "consent:yes"), Button("Not now", "consent:no")),)


def join_buttons() -> Rows:
    """A member agrees (or not) that their words are kept in the story of this place."""
    return ((Button("Keep my words in this story", "join:yes"),
             Button("No thanks", "join:no")),)


def forget_buttons() -> Rows:
    """Confirm or cancel deleting everything."""
    return ((Button("Yes, delete everything", "forget:yes"),), (Button("Cancel", "forget:no"),))


def installment_buttons(installment_id: str) -> Rows:
    """Keep / not for me / another version, and the tone picker."""
    return (
        (Button("Keep", f"fb:keep:{installment_id}"),
         Button("Not for me", f"fb:drop:{installment_id}"),
         Button("Another version", f"fb:again:{installment_id}")),
        (Button("Change the tone…", f"fb:tones:{installment_id}"),
         Button("Versions…", f"fb:versions:{installment_id}")),
    )


def version_buttons(versions: list[tuple[str, str]], shown: str, back: str | None) -> Rows:
    """One button per version of a part ((installment id, label)); pressing one shows it."""
    rows = tuple((Button(("✓ " if inst_id == shown else "") + f"{n}. {label}"[:60],
                         f"ver:{inst_id}"),) for n, (inst_id, label) in
                 enumerate(versions, start=1))
    return (*rows, (Button("Back", f"fb:back:{back}"),)) if back else rows


def tone_buttons(installment_id: str) -> Rows:
    """One button per tone, two or three a row, and a way back."""
    tones = [Button(TONE_LABELS.get(t, t.title()), f"fb:tone:{t}:{installment_id}")
             for t in TONES]
    rows = tuple(tuple(tones[i:i + 3]) for i in range(0, len(tones), 3))
    return (*rows, (Button("Back", f"fb:back:{installment_id}"),))


def transcript_buttons(voice_id: str) -> Rows:
    """Keep what was heard, correct it, or drop it."""
    return ((Button("Keep it", f"voice:keep:{voice_id}"),
             Button("Correct it", f"voice:fix:{voice_id}"),
             Button("Drop it", f"voice:drop:{voice_id}")),)


RESUME_LABEL = "I'm safe, let's go on"


def crisis_buttons(resumable: bool) -> Rows:
    """Under a crisis reply: the helplines one tap away, and (without a counselor) go on."""
    lines = (Button("Show the helplines", "safe:lines"),)
    return ((Button(RESUME_LABEL, "safe:resume"),), lines) if resumable else (lines,)


def vote_buttons(vote_id: str, options: tuple[str, ...]) -> Rows:
    """One button per direction offered."""
    return tuple((Button(option[:80], f"vote:{vote_id}:{i}"),) for i, option in enumerate(options))


def decode(data: str) -> Press | None:
    """The press a button's data stands for; None for data storyloom never sent."""
    parts = data.split(":")
    if parts[0] == "safe" and len(parts) == 2 and parts[1] in ("resume", "lines"):
        return Press("safe", parts[1])
    if parts[0] in ("consent", "forget", "join") and len(parts) == 2:
        return Press(parts[0], parts[1])
    if parts[0] == "fb" and len(parts) == 3:
        return Press("fb", parts[1], parts[2])
    if parts[0] == "fb" and len(parts) == 4 and parts[1] == "tone":
        return Press("fb", "tone", parts[3], parts[2])
    if parts[0] == "ver" and len(parts) == 2 and parts[1]:
        return Press("ver", "pick", parts[1])
    if parts[0] == "voice" and len(parts) == 3 and parts[1] in ("keep", "fix", "drop"):
        return Press("voice", parts[1], parts[2])
    if parts[0] == "vote" and len(parts) == 3 and parts[2].isdigit():
        return Press("vote", "cast", parts[1], parts[2])
    return None
