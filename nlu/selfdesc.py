"""Open-ended lasting facts: what a first-person sentence says the user is, has, likes or does.

The fixed patterns of :mod:`nlu.facts` come first; a sentence none of them read is parsed
here from its dependency tree: "I" as subject of a present-tense verb, the verb's lemma
normalised to a known predicate (likes, dislikes, habit, routine, role, trait, health,
has, believes, studies, works_in), the rest of the clause as object. Past tense, questions,
wishes and passing states ("I'm so sorry", "I love this") are not lasting facts and are
left alone; "don't" negates, so "I don't smoke anymore" retracts a habit.
"""

from __future__ import annotations

from nlu.parse import Parse
from nlu.schema import Fact

__all__ = ["open_facts"]

_LIKE = frozenset({"love", "like", "enjoy", "adore", "prefer"})
_DISLIKE = frozenset({"hate", "dislike", "detest", "loathe"})
_HAVE = frozenset({"have", "own", "got"})
# Verbs whose present tense says what the speaker thinks or feels now, not what they do.
_PASSING = frozenset({
    "think", "feel", "guess", "mean", "know", "see", "hope", "wish", "want", "need", "agree",
    "understand", "remember", "say", "wonder", "doubt", "bet", "suppose", "get", "find",
    "appreciate", "miss", "swear", "promise", "assume", "admit", "apologize", "apologise",
    "recommend", "suggest", "imagine", "care", "laugh", "love", "like", "hate", "thank",
    "believe", "hear", "read", "watch", "forget", "expect", "disagree",
    "can", "will", "would", "could", "should", "might", "must", "do", "be", "have", "let",
    "try", "refuse", "deserve", "blame", "respect", "trust", "fear", "worry", "regret",
    "realize", "realise", "notice", "look", "sound", "seem", "stand", "give", "take", "call",
    "tell", "ask", "hopefully", "bless", "salute", "second", "concur", "vote", "pray",
})
# Present-tense verbs that do describe a life when said of oneself ("I read twenty books").
_DOING = frozenset({"read", "watch", "play", "go", "run", "drive", "cook", "teach", "write",
                    "paint", "swim", "walk", "ride", "sing", "dance", "knit", "smoke", "drink",
                    "eat", "volunteer", "train", "study", "practice", "practise", "collect",
                    "bake", "garden", "hike", "fish", "hunt", "travel", "visit", "attend",
                    "coach", "use", "wear", "listen", "work", "take", "do"})
# Adjectives of a passing state: a feeling, a reaction, not who the user is.
_STATES = frozenset({
    "sorry", "sure", "glad", "happy", "sad", "scared", "afraid", "surprised", "shocked",
    "excited", "angry", "mad", "upset", "confused", "tired", "jealous", "proud", "grateful",
    "thankful", "disappointed", "disgusted", "worried", "nervous", "amazed", "impressed",
    "curious", "interested", "aware", "ready", "able", "right", "wrong", "late", "done",
    "fine", "okay", "ok", "good", "bad", "crying", "dying", "dead", "offended", "annoyed",
    "embarrassed", "relieved", "stunned", "speechless", "lost", "triggered", "pleased",
    "honored", "honoured", "flattered", "thrilled", "bored", "certain", "new", "back",
    "here", "there", "in", "out", "on", "off", "agreed", "convinced", "terrified",
    "hopeful", "frustrated", "horrified", "appalled", "furious", "heartbroken", "devastated",
    "fascinated", "satisfied", "stuck", "sick", "hungry", "drunk", "high", "unsure",
    "confident", "concerned", "ashamed", "surprise", "free", "alone", "full",
})
_HEALTH = frozenset({
    "allergic", "diabetic", "asthmatic", "deaf", "blind", "epileptic", "autistic", "disabled",
    "pregnant", "colorblind", "colourblind", "sober", "bipolar", "dyslexic", "anemic",
    "vegan", "vegetarian", "celiac", "coeliac", "paralyzed", "paralysed", "infertile",
    "diabetes", "asthma", "cancer", "adhd", "autism", "depression", "anxiety", "arthritis",
    "allergies", "allergy", "migraines", "ocd", "ptsd", "epilepsy", "insomnia", "dyslexia",
    "bpd", "ibs", "tinnitus", "scoliosis", "lupus", "fibromyalgia", "disorder", "syndrome",
    "disease", "condition", "illness", "surgery", "pain", "gastroparesis", "gastroparisis",
})
_BELIEFS = frozenset({"christian", "catholic", "muslim", "jewish", "atheist", "agnostic",
                      "buddhist", "hindu", "religious", "spiritual", "mormon", "protestant",
                      "conservative", "liberal", "democrat", "republican", "socialist",
                      "libertarian", "feminist", "pagan", "sikh"})
_BE_PREP = {"from": "comes_from", "into": "likes", "for": "likes"}
# Things one "has" for a moment, not as part of a life: "I have a question".
_EPHEMERA = frozenset({"question", "idea", "feeling", "point", "problem", "thought",
                       "suspicion", "theory", "hunch", "clue", "doubt", "opinion", "sense",
                       "chance", "time", "right", "reason", "issue", "bone", "word", "say",
                       "faith", "hope", "this", "that", "it", "one", "same", "nothing",
                       "something", "none", "no", "to", "fun", "questions", "ideas", "thoughts",
                       "feelings", "doubts", "much", "many", "so", "enough"})
_DEICTIC = frozenset({"it", "this", "that", "these", "those", "you", "him", "her", "them",
                      "how", "when", "what", "ya", "u", "y'all", "yours", "everything",
                      "everyone", "both", "us", "where", "why", "'s", "which", "whatever"})
# What makes "I read ..." a habit and not a past event: "every", "a year", "usually".
_EVERY = frozenset({"every", "each", "weekends", "daily", "weekly", "monthly", "yearly",
                    "annually", "nightly", "usually", "always", "often", "regularly"})
_PERIOD = frozenset({"year", "week", "month", "day"})
# Said with one of these, even a passing state is a habit ("I always worry about ...").
_FREQUENCY = frozenset({"always", "usually", "often", "sometimes", "normally", "generally",
                        "typically", "rarely", "seldom", "regularly"})
_ROUTINE = frozenset({"every", "usually", "always", "weekends", "weekend", "daily", "weekly",
                      "often", "sometimes", "mornings", "nights", "evenings", "each",
                      "regularly", "year", "week", "day", "month", "twice", "once", "monthly",
                      "yearly", "nightly", "annually", "everyday"})
_CLAUSE_DEPS = frozenset({"advcl", "ccomp", "conj", "cc", "punct", "mark", "parataxis",
                          "intj", "dep", "relcl", "discourse", "npadvmod_"})
_DROP_ADV = frozenset({"so", "really", "very", "just", "also", "still", "actually", "too",
                       "literally", "honestly", "definitely", "totally", "absolutely",
                       "kinda", "pretty", "truly", "genuinely", "seriously", "currently"})
# Words that say when a statement holds, not what it says ("I don't smoke anymore").
_TAIL = frozenset({"anymore", "now", "nowadays", "either", "too", "though", "lol", "haha"})
MAX_OBJECT_WORDS = 14
_CUT = frozenset({",", ";", ":", "!", "?", ".", "..", "...", "(", ")", "-", "--", "\u2014",
                  "\u201c", "\u201d", '"'})
_CLAUSE_WORDS = frozenset({"but", "because", "so", "if", "since", "while", "although", "cause",
                           "which", "who", "cos", "coz"})
# Words that open another clause when the parse did not say so.
_BOUNDARY = frozenset({"because", "but", "when", "which", "who", "so", "if", "since",
                       "while", "although", "though", "cause", "and", "or", "that"})


def _reach(p: Parse, i: int) -> int:
    """The rightmost token of i's subtree, leaving out clauses hung on it."""
    last = i
    for child in p.children[i]:
        if child > i and p.dep[child] not in _CLAUSE_DEPS:
            last = max(last, _reach(p, child))
    return last


def _phrase(p: Parse, verb: int, first: int) -> tuple[int, int] | None:
    """Tokens from `first` to the end of the verb's own clause (no trailing clauses)."""
    last = first - 1
    for child in p.children[verb]:
        if child < first or p.dep[child] in _CLAUSE_DEPS or p.dep[child] == "nsubj":
            continue
        last = max(last, _reach(p, child))
    if last < first:  # the tree hung nothing on the verb: read on to the clause's end
        last = first
        while last + 1 < len(p) and p.sent[last + 1] == p.sent[first] and \
                p.lower[last + 1] not in _BOUNDARY and p.pos[last + 1] != "PUNCT":
            last += 1
        if p.pos[first] == "PUNCT":
            return first, first - 1
    stop = next((i for i in range(first, last + 1) if p.text[i] in _CUT
                 or (i > first and p.lower[i] in _CLAUSE_WORDS)), None)
    if stop is not None:
        last = stop - 1
    while last >= first and p.pos[last] in ("PUNCT", "CCONJ"):
        last -= 1
    if last - first + 1 > MAX_OBJECT_WORDS:
        return None
    return first, last  # last < first: nothing follows the verb


def _text(p: Parse, lo: int, hi: int, keep_lead: bool = False) -> str:
    """The words lo..hi as written, without adverbs of degree, leading articles (unless
    keep_lead) or a trailing 'anymore'."""
    lead = {*_DROP_ADV, *_FREQUENCY} | (set() if keep_lead else {"a", "an", "the", "to", "my"})
    while hi >= lo and p.lower[hi] in _TAIL:
        hi -= 1
    while lo <= hi and p.lower[lo] in lead:
        lo += 1
    if lo > hi:
        return ""
    text = p.span_text(lo, hi).strip()
    return text + "]" if text.count("[") > text.count("]") else text


def _right_start(p: Parse, verb: int) -> int:
    """The first token after the verb, skipping negation and adverbs of degree."""
    i = verb + 1
    while i < len(p) and (p.dep[i] == "neg" or p.lower[i] in _DROP_ADV
                          or p.lower[i] in _FREQUENCY):
        i += 1
    return i


def _frequent(p: Parse, verb: int) -> bool:
    return any(p.lower[c] in _FREQUENCY for c in p.children[verb]) or (
        verb > 0 and p.lower[verb - 1] in _FREQUENCY)


def _negated(p: Parse, verb: int) -> bool:
    return any(p.dep[c] == "neg" or p.lower[c] == "never" for c in p.children[verb])


def _copula(p: Parse, be: int) -> Fact | None:
    """'I am X': a role (a noun), a trait, a belief or a health condition."""
    comp = next((c for c in p.children[be] if p.dep[c] in ("attr", "acomp") and c > be), None)
    if comp is None:
        return _be_prep(p, be)
    span = _phrase(p, be, _right_start(p, be))
    if span is None or span[1] < span[0] or p.tag[comp] == "CD" or p.lower[span[0]] in _BOUNDARY:
        return None
    head = p.lower[comp]
    often = _frequent(p, be)
    at = p.first_child(comp, ("prep",))
    if at is not None and p.lower[at] == "at" and p.tag[comp].startswith("JJ"):
        often = True  # "good at", "bad at": a trait, not a mood
    passing = head in _STATES or p.lower[span[0]] in _STATES
    if (passing and not often) or p.tag[comp] in ("VBG", "PRP", "DT"):
        return None
    obj = _text(p, *span)
    if not obj or obj.split()[0].lower() in _DEICTIC:
        return None
    if p.dep[comp] == "attr" and head == "fan":
        of = p.first_child(comp, ("prep",))
        if of is not None and p.lower[of] == "of":
            return Fact(subject="user", predicate="likes", object=_text(p, of + 1, p.edges(of)[1]),
                        negated=_negated(p, be))
    words = {w.lower() for w in obj.split()}
    if words & _HEALTH:
        pred = "health"
    elif words & _BELIEFS:
        pred = "believes"
    else:
        pred = "role" if p.dep[comp] == "attr" else "trait"
    return Fact(subject="user", predicate=pred, object=obj, negated=_negated(p, be))


def _be_prep(p: Parse, be: int) -> Fact | None:
    """'I'm from Lebanon' (where the user comes from), 'I'm into ASMR', 'I'm all for X'."""
    start = _right_start(p, be)
    if start < len(p) and p.lower[start] == "all":
        start += 1
    if start + 1 >= len(p) or p.lower[start] not in _BE_PREP:
        return None
    span = _phrase(p, be, start + 1)
    if span is None or span[1] < span[0] or p.lower[span[0]] in _DEICTIC:
        return None
    obj = _text(p, *span)
    if not obj or (p.lower[start] == "from" and not obj[0].isupper()):
        return None
    return Fact(subject="user", predicate=_BE_PREP[p.lower[start]], object=obj,
                negated=_negated(p, be))


def _verb_fact(p: Parse, verb: int) -> Fact | None:
    lemma = p.lemma[verb].lower()
    start = _right_start(p, verb)
    after = p.lower[start + 1] if start + 1 < len(p) else ""
    if start >= len(p) or p.lower[start] in _DEICTIC or (
            p.lower[start] in ("the", "all", "seeing", "reading", "hearing", "watching")
            and after in (*_DEICTIC, "way", "of")):
        return None
    span = _phrase(p, verb, start)
    if span is None or p.lower[start] in _BOUNDARY:
        return None
    obj = _text(p, *span)
    words = {w.lower() for w in obj.split()}
    negated = _negated(p, verb)
    if not obj and lemma not in _DOING:
        return None
    if lemma == "live" and obj:
        return Fact(subject="user", predicate="lives_in", object=obj, negated=negated)
    if lemma in _LIKE:
        return Fact(subject="user", predicate="likes", object=obj, negated=negated)
    if lemma in _DISLIKE:
        return Fact(subject="user", predicate="dislikes", object=obj, negated=negated)
    if lemma in _HAVE or p.lower[verb] == "got":
        if p.lower[start] in _EPHEMERA or obj.split()[0].lower() in _EPHEMERA:
            return None
        if words & _EPHEMERA and len(words) <= 2:
            return None
        pred = "health" if words & _HEALTH else "has"
        return Fact(subject="user", predicate=pred, object=obj, negated=negated)
    if lemma == "believe" and p.lower[start] == "in":
        return Fact(subject="user", predicate="believes", object=_text(p, start + 1, span[1]),
                    negated=negated)
    if lemma in ("study", "learn") and p.tag[verb] in ("VBP", "VBG"):
        return Fact(subject="user", predicate="studies", object=obj, negated=negated)
    if lemma == "work" and p.lower[start] in ("in", "on", "with", "nights", "from"):
        return Fact(subject="user", predicate="works_in", object=obj, negated=negated)
    if lemma in _PASSING and lemma not in _DOING and not _frequent(p, verb):
        return None
    routine = bool(words & _ROUTINE) or any(
        p.lower[c] in _ROUTINE for c in p.children[verb])
    done = f"{p.lemma[verb].lower()} {_text(p, *span, keep_lead=True)}".strip()
    return Fact(subject="user", predicate="routine" if routine else "habit", object=done,
                negated=negated)


def _present(p: Parse, verb: int) -> bool:
    """Simple present (or 'I'm learning'), said by the user, not a question or a wish."""
    aux = [c for c in p.children[verb] if p.dep[c] in ("aux", "auxpass")]
    if any(p.lower[a] not in ("do", "'m", "am", "'ve", "have") for a in aux):
        return False  # will/would/can/did/have been: not a plain lasting fact
    if p.tag[verb] == "VBG":
        return any(p.lower[a] in ("'m", "am") for a in aux) and p.lemma[verb] in (
            "learn", "study", "train")
    if p.tag[verb] == "VBD":  # "I read twenty books a year": read as present by its rhythm
        lo, hi = p.edges(verb)
        return p.lemma[verb] in _DOING and not aux and any(
            p.lower[i] in _EVERY or (p.lower[i] in _PERIOD and p.lower[i - 1] in ("a", "per")
                                     and (i + 1 >= len(p) or p.lower[i + 1] != "old"))
            for i in range(lo, hi + 1))
    if p.tag[verb] == "VBN":
        return p.lower[verb] == "got" and any(p.lower[a] in ("'ve", "have") for a in aux)
    return p.tag[verb] in ("VBP", "VB") and not any(
        p.lower[a] in ("'ve", "have") for a in aux)


def _verbs_of_i(p: Parse, lo: int, hi: int) -> list[int]:
    """Verbs whose subject is 'I': by the parse, or the word right after 'I' when the
    parse hung it elsewhere ("I love hunting/fishing")."""
    out = []
    for i in range(lo, hi):
        if p.lower[i] != "i" or p.tag[i] != "PRP":
            continue
        j = i + 1
        while j < hi and (p.lower[j] in _DROP_ADV or p.lower[j] in _FREQUENCY or p.dep[j] == "neg"
                          or p.lower[j] in ("do", "don't", "dont", "n't", "not")):
            j += 1
        head = p.head[i] if p.dep[i] == "nsubj" else None
        if head is not None and p.pos[head] in ("VERB", "AUX") and p.dep[head] in (
                "ROOT", "conj", "ccomp"):
            out.append(head)
        elif j < hi and p.tag[j] in ("VBP", "VBD", "VB") and not (
                j + 1 < hi and p.tag[j + 1] in ("VBN", "VBD") or p.text[j].startswith("'")):
            out.append(j)
    return list(dict.fromkeys(out))


def open_facts(p: Parse, lo: int, hi: int) -> list[Fact]:
    """Open-ended facts of one sentence (tokens lo..hi-1) for each verb with 'I' as subject."""
    if not p.has_parse or p.text[hi - 1] == "?":
        return []
    out: list[Fact] = []
    for verb in _verbs_of_i(p, lo, hi):
        if not _present(p, verb):
            continue
        fact = _copula(p, verb) if p.lemma[verb] == "be" else _verb_fact(p, verb)
        if fact is not None and (fact.object or fact.negated):
            out.append(fact)
    return out
