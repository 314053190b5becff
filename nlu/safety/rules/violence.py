"""Harm-to-others rules: the user's (or someone else's) intent to hurt a person."""

# ruff: noqa: E501 (regex alternations read better unbroken than split mid-group)

from __future__ import annotations

from nlu.safety.assessment import Category
from nlu.safety.rules.base import VICTIM, Rule, rule

HO: Category = "harm_to_others"

# What turns "I ... <verb> <person>" into intent. "could" alone is left out on
# purpose: "I could kill him" is the commonest hyperbole there is.
_INTENT = (
    r"(?:want|wanna|wanted|going|gonna|plan|plans|planning|planned|intend|intends|'ll|will|'d|would|"
    r"'d like|feel like|thinking about|thought about|think about|fantasi[sz]e about|"
    r"fantasi[sz]ing about|dream about|urges?|might|could really|swear i'll|need|needs|am going|"
    r"'m going|how i'd|how i would)"
)
_VERB = (
    r"(?:kill|killing|murder|murdering|stab|stabbing|shoot|shooting|strangle|strangling|poison|"
    r"poisoning|hurt|hurting|harm|harming|attack|attacking|choke|choking|smother|smothering|"
    r"punch|punching|hit|hitting|kick|kicking|shake|shaking)"
)

RULES: tuple[Rule, ...] = (
    rule("ho.weapon", HO, 0.85,
         r"\b(?:bring|take|carry|brought|bringing|taking|carrying) (?:a |my |the |his |her )?"
         r"(?:knife|gun|rifle|pistol|weapon|blade|machete) (?:to|into) (?:school|work|class|the office|"
         r"college|church|the party)\b|\bshoot up (?:his |her |their |my |the |a )?(?:old )?"
         r"(?:school|college|office|workplace|church|mosque|synagogue|mall|class)\b",
         "weapon or attack on a place"),
    rule("ho.means", HO, 0.55,
         r"\b(?:got|have|bought|found|took|grabbed) (?:my \w+'s |a |the |his |her )?(?:gun|rifle|"
         r"pistol|shotgun)\b|\bi know where (?:he|she|they) lives?\b",
         "access to a gun or a target's home"),
    rule("ho.intent", HO, 0.70,
         rf"\bi\b[^.!?]{{0,25}}?\b{_INTENT}(?: to)? (?:really |just |seriously )?{_VERB}"
         rf" {VICTIM}\b(?! (?:up|at|in)\b)|\bi\b[^.!?]{{0,25}}?\b{_INTENT}(?: to)? (?:run|running) "
         r"(?:him|her|them) over\b|\bi\b[^.!?]{0,25}?\b(?:beat|beating) (?:him|her|them|\w+) up\b|"
         r"\bburn (?:his|her|their) (?:house|home|flat|place) down\b",
         "intent to hurt someone"),
    rule("ho.revenge", HO, 0.62,
         # "make it pay" is a living made, not revenge (Slocum rebuilding the Spray)
         r"\bmake (?!it\b|this\b|that\b)\w+ pay\b|\bmake \w+ suffer\b|"
         r"\b(?:they|he|she)(?:'ll| will) (?:all )?"
         r"be sorry\b|\bput (?:a man|a guy|him|her|someone|somebody) in (?:the )?hospital\b",
         "revenge or past violence"),
    rule("other.ho.threat", HO, 0.62,
         r"\bthreaten(?:ed|s|ing)? to (?:kill|stab|shoot|hurt|attack|beat up) (?:his|her|their|a|the|"
         r"someone|somebody|people|him|her|them)\b|\b(?:said|says|told me)(?: that)? (?:he|she|they)"
         r"(?:'d| would|'ll| will|'s going to| is going to|'re going to) (?:kill|hurt|stab|shoot) "
         r"(?:his|her|their|him|them|someone|somebody|people)\b",
         "someone else threatens to hurt a person"),
)
