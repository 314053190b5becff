"""Suicidal ideation rules: direct, indirect, warning signs, plans, attempts, third party."""

# ruff: noqa: E501 (regex alternations read better unbroken than split mid-group)

from __future__ import annotations

from nlu.safety.assessment import Category
from nlu.safety.rules.base import THEIR_LIFE, THEMSELF, Rule, rule

SI: Category = "suicidal_ideation"

# Idioms in which dying is hyperbole.
_DIE_IDIOM = (
    r"rather die than|die (?:of|from) (?:embarrassment|shame|laughter|laughing|boredom)|"
    r"dying to (?:see|try|know|go|meet|get|hear|read|watch)|to die for|died laughing"
)
# Ordinary reasons for giving things away or talking about a will.
_BENIGN_GIVING = (
    r"charity|because (?:we're|we are|i'm|i am) moving|moving (?:house|out|in|into)|care home|"
    r"declutter|downsiz|grandson|granddaughter|look after it|it's what you do|at (?:7|8|9)\d\b|"
    r"retir\w*|at work|colleagues|leaving (?:the|my) job|new job|emigrat\w*"
)

RULES: tuple[Rule, ...] = (
    rule("si.attempt", SI, 0.70,
         r"\b(?:tried|attempted|try|tries|trying) (?:to )?(?:kill|end|take|hang|drown|poison|shoot|off) "
         r"(?:myself|my (?:own )?life)\b|\battempted suicide\b|\bsuicide attempt\b|"
         r"\b(?:took|taken|take) an overdose\b|\boverdosed\b|\bsurvived an overdose\b",
         "suicide attempt", past=True),
    rule("si.means", SI, 0.85,
         r"\b(?:saved|saving|stockpil\w*|hoard\w*|collect\w*) (?:up )?(?:my |the |all my |all the )?"
         r"(?:pills|tablets|meds|medication|sleeping pills)|\b(?:pills|tablets|meds) saved up\b|"
         r"\btake them all\b|\bhow many\b[^.!?]{0,40}\b(?:pills|tablets|paracetamol|it would take)\b|"
         r"\b(?:bought|got|have|tied) (?:a|the) (?:rope|noose)\b|"
         r"\bstanding on (?:the|a) (?:bridge|edge|ledge|roof)\b|\btonight is the night\b|"
         r"\b(?:researching|looking up|looked up|googled|searched) (?:ways|how) to "
         r"(?:die|kill myself|end it)\b|\bsuicide note\b",
         "plan or means for suicide"),
    rule("si.method", SI, 0.62,
         r"\bknow (?:what|how) i'm going to do(?: it| with it)?\b|\bhow i would do it\b|"
         r"\bdrive (?:off|into) (?:the road|a wall|a tree|the bridge|a bridge|oncoming)|"
         r"\b(?:jump|step) in front of (?:a|the) (?:train|bus|car|truck|lorry)|"
         r"\btrain tracks\b|\b(?:jump|jumping) (?:off|from) (?:a|the) (?:bridge|roof|building)",
         "thoughts of a method"),
    rule("si.kill_self", SI, 0.75,
         r"\b(?:kill|killing|hang|hanging|off|offing|shoot|shooting|drown|drowning|poison|"
         r"poisoning|unalive) myself\b|\bkms\b|\bcommit(?:ting)? suicide\b|"
         r"\b(?:end|ending|take|taking) my (?:own )?life\b|\b(?:end|ending) it all\b|"
         r"\bend (?:my )?(?:life|it) (?:tonight|today|soon)\b",
         "intent to end one's life"),
    rule("si.suicidal", SI, 0.75,
         r"\bi(?:'m| am| feel| felt| was| have been|'ve been| keep| get| go)? (?:so |really |very |"
         r"kind of |a bit |pretty |quite )?suicidal\b|\bsuicidal (?:thoughts|feelings|ideation)\b|"
         r"\bthoughts (?:of|about) (?:suicide|killing myself|ending (?:it|my life)|dying)\b|"
         r"\b(?:thinking|thought|think|thinks) (?:about|of) (?:suicide|killing myself|"
         r"ending (?:it all|my life|it|things)|taking my (?:own )?life)\b",
         "suicidal thoughts"),
    rule("si.want_die", SI, 0.72,
         r"\b(?:want|wanted|wish|wishing|longing|ready|going) to (?:die|be dead|not (?:be alive|exist|"
         r"be here))\b|\bi wish i (?:was|were) dead\b|\bi wish i could (?:just die|disappear forever)\b|"
         r"\bdying would be (?:a relief|easier|better)\b|\bbetter off dead\b",
         "wish to die", unless=_DIE_IDIOM),
    rule("si.no_point", SI, 0.62,
         r"\b(?:don't|do not|can't|cannot) see (?:the|any) point (?:of|in) (?:going on|living|life|"
         r"being alive|carrying on|being here)\b|\bwhat's the point (?:of|in) (?:living|going on|life|"
         r"being alive|carrying on|being here)\b|\bno (?:point|reason) (?:in |to )?(?:living|going on|"
         r"being alive|carrying on|live)\b|\bnothing (?:left )?(?:for me )?to live for\b|"
         r"\b(?:life|living) (?:isn't|is not|'s not|ain't) worth (?:living|it anymore)\b|"
         r"\bcan't go on (?:like this|anymore|any more|living)\b|"
         r"\bcan't keep (?:living|going) like this\b|\btired of (?:living|being alive|life|existing)\b|"
         r"\b(?:don't|do not) want to (?:live|be alive|exist|be here)(?: anymore| any more)?\b|"
         r"\bi wish i (?:had )?(?:never been born|wasn't born|was never born)\b",
         "hopelessness about living", negatable=False),
    rule("si.burden", SI, 0.62,
         r"\b(?:better off|happier|easier) without me\b|\bhappier if i (?:was|were) (?:gone|dead)\b|"
         r"\bif i (?:was|were) gone\b|\b(?:i'm|i am) (?:just )?a burden (?:to|on) "
         r"(?:everyone|everybody|you|them|my)\b|\b(?:nobody|no one) would (?:even )?(?:notice|care|"
         r"miss me)\b|\bif i died\b[^.!?]{0,30}\b(?:nobody|no one)\b",
         "belief that others would be better off", negatable=False),
    rule("si.sleep", SI, 0.65,
         r"\b(?:sleep|go to sleep|fall asleep) and (?:not|never) wake up\b|"
         r"\b(?:wish|hope|want|wishing|hoping)(?: that)? i (?:don't|wouldn't|won't|didn't|never|"
         r"would not) wake up\b|\bnot (?:to )?wake up (?:again|tomorrow|in the morning)\b|"
         r"\bnever wake up again\b|\bto not wake up\b",
         "wish not to wake up", negatable=False),
    rule("si.goodbye", SI, 0.60,
         r"\b(?:giving|given|gave|give) (?:away )?(?:all )?my (?:things|stuff|belongings|possessions|"
         r"prized \w+)\b|\bsaying goodbye to (?:people|everyone|everybody)\b|"
         r"\b(?:wrote|written|writing|write) (?:a |my )?(?:goodbye (?:letters?|notes?)|"
         r"letters? to say goodbye)|\bgoodbye letters\b|\bwhere my will is\b|"
         r"\b(?:put|putting|getting) my affairs in order\b|\b(?:my|this is my) last (?:message|goodbye|"
         r"post)\b|\bwon't be around (?:much longer|for long|anymore)\b|"
         r"\bin case i'm not (?:around|here)\b|\bwho gets (?:the|my) (?:dog|cat|things)\b",
         "warning sign: saying goodbye or giving things away", negatable=False,
         unless=_BENIGN_GIVING),
    rule("si.join", SI, 0.62,
         r"\b(?:should|could|want to|wanna|going to) (?:just )?join (?:her|him|them)\b|"
         r"\bbe with (?:her|him|them) (?:in heaven|up there|on the other side)\b",
         "wish to join someone who died"),
    rule("si.distress", SI, 0.40,
         r"\b(?:just )?want to disappear\b|\bdisappear for good\b|\bwant (?:it all|everything) to "
         r"(?:stop|end|be over)\b|\bcan't do this anymore\b|\bcan't take (?:it|this) anymore\b|"
         r"\bwhat's the point of (?:anything|it all|trying|any of it)\b|"
         r"\bwonder(?:ing)? if anyone would (?:even )?(?:come to my funeral|care|notice|miss me)\b|"
         r"\b(?:feel|feeling) like (?:such )?a burden\b",
         "distress that may hide suicidal thoughts", negatable=False,
         unless=r"disappear into|disappear for (?:the|a) (?:weekend|week|while|bit)"),
    rule("other.si.intent", SI, 0.62,
         rf"\b(?:wants?|wanted|going|planning|plans?|threaten\w*|talk\w* about|tried|trying|tries) "
         rf"(?:to )?(?:kill|end|take|hang|off|killing|ending|taking) (?:{THEMSELF}|{THEIR_LIFE})\b|"
         rf"\b(?:he|she|they)(?:'s| is| are|'re)? (?:going to|gonna) (?:kill|end|take) "
         rf"(?:{THEMSELF}|{THEIR_LIFE})\b|\b(?:end|take|ending|taking) {THEIR_LIFE} (?:tonight|today|"
         r"tomorrow|soon)\b",
         "someone else intends to end their life"),
    rule("other.si.indirect", SI, 0.62,
         r"\b(?:he|she|they) (?:doesn't|don't|does not|do not|didn't) want to (?:live|be alive|"
         r"be here)\b|\b(?:he|she|they) (?:has|have|had) nothing (?:left )?to live for\b|"
         r"\b(?:talking|talks|talked|talk) about (?:suicide|killing (?:himself|herself|themselves)|"
         r"ending (?:it|his life|her life|their life))\b|\b(?:better off|happier) without "
         r"(?:him|her|them)\b|\b(?:he|she|they)(?:'s| is| are|'re| seems?| seem) suicidal\b|"
         r"\b(?:he|she|they) (?:wants?|wanted) to die\b",
         "someone else talks about suicide", negatable=False),
)
