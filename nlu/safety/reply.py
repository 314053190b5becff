"""The caring reply sent instead of a story when a turn shows risk."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from nlu.safety.assessment import RiskAssessment
from nlu.safety.resources import CrisisResources, CrisisService, ServiceKind, crisis_resources

# Enough to act on, short enough to read in a moment of crisis.
MAX_SERVICES = 3


@dataclass(frozen=True)
class Wording:
    """One language's sentences for the crisis reply."""

    self_risk: str
    abuse: str
    harm: str
    other: str
    paused: str
    person: str
    emergency: str
    emergency_generic: str
    closing: str
    low: str
    call: str
    text: str


# Keyed by locale where the register differs (pt-BR), else by language.
WORDING: dict[str, Wording] = {
    "en": Wording(
        self_risk="Thank you for telling me. It sounds like you're carrying something really "
        "heavy right now, and you don't have to carry it alone.",
        abuse="Thank you for trusting me with this. What you're describing is not okay, and "
        "it is not your fault.",
        harm="It sounds like you're feeling a lot of anger or pain right now. Before anything "
        "happens, please talk to someone who can help keep you and others safe.",
        other="It sounds like someone you care about may be in danger. You don't have to "
        "handle this on your own.",
        paused="I've paused our story for now, because you matter more than the story.",
        person="A real person can help, any time:",
        emergency="If anyone is in immediate danger, please call {number}.",
        emergency_generic="If anyone is in immediate danger, please call your local "
        "emergency number.",
        closing="I'm still here if you'd like to keep talking.",
        low="Thank you for sharing that. If any of it still weighs on you, talking to someone "
        "can help:",
        call="call",
        text="text",
    ),
    "pt": Wording(
        self_risk="Obrigado por me contares. Parece que estás a carregar algo muito pesado "
        "neste momento, e não tens de o carregar sozinho.",
        abuse="Obrigado pela confiança. O que descreves não está bem, e não é culpa tua.",
        harm="Parece que sentes muita raiva ou dor neste momento. Antes que algo aconteça, "
        "fala com alguém que possa ajudar a manter-te a ti e aos outros em segurança.",
        other="Parece que alguém de quem gostas pode estar em perigo. Não tens de lidar com "
        "isto sozinho.",
        paused="Pus a nossa história em pausa, porque tu importas mais do que a história.",
        person="Uma pessoa real pode ajudar, a qualquer hora:",
        emergency="Se alguém estiver em perigo imediato, liga {number}.",
        emergency_generic="Se alguém estiver em perigo imediato, liga para o número de "
        "emergência local.",
        closing="Continuo aqui se quiseres continuar a conversar.",
        low="Obrigado por partilhares. Se isto ainda te pesa, falar com alguém pode ajudar:",
        call="ligar",
        text="SMS",
    ),
    "pt-BR": Wording(
        self_risk="Obrigado por me contar. Parece que você está carregando algo muito pesado "
        "agora, e não precisa carregar isso sozinho.",
        abuse="Obrigado pela confiança. O que você descreve não está certo, e não é culpa sua.",
        harm="Parece que você está sentindo muita raiva ou dor agora. Antes que algo aconteça, "
        "converse com alguém que possa ajudar a manter você e os outros em segurança.",
        other="Parece que alguém de quem você gosta pode estar em perigo. Você não precisa "
        "lidar com isso sozinho.",
        paused="Pausei a nossa história por enquanto, porque você importa mais do que a história.",
        person="Uma pessoa de verdade pode ajudar, a qualquer hora:",
        emergency="Se alguém estiver em perigo imediato, ligue {number}.",
        emergency_generic="Se alguém estiver em perigo imediato, ligue para o número de "
        "emergência local.",
        closing="Continuo aqui se você quiser continuar conversando.",
        low="Obrigado por compartilhar. Se isso ainda pesa em você, conversar com alguém pode "
        "ajudar:",
        call="ligar",
        text="SMS",
    ),
    "de": Wording(
        self_risk="Danke, dass du mir das erzählst. Es klingt, als würdest du gerade etwas "
        "sehr Schweres tragen, und damit musst du nicht allein sein.",
        abuse="Danke für dein Vertrauen. Was du beschreibst, ist nicht in Ordnung, und es ist "
        "nicht deine Schuld.",
        harm="Es klingt, als wärst du gerade voller Wut oder Schmerz. Bevor etwas passiert, "
        "sprich bitte mit jemandem, der helfen kann, dich und andere zu schützen.",
        other="Es klingt, als könnte jemand, der dir wichtig ist, in Gefahr sein. Damit musst "
        "du nicht allein umgehen.",
        paused="Ich habe unsere Geschichte pausiert, denn du bist wichtiger als die Geschichte.",
        person="Ein Mensch kann helfen, jederzeit:",
        emergency="Wenn jemand in akuter Gefahr ist, ruf bitte {number} an.",
        emergency_generic="Wenn jemand in akuter Gefahr ist, ruf bitte den örtlichen Notruf an.",
        closing="Ich bin weiter da, wenn du reden möchtest.",
        low="Danke, dass du das teilst. Wenn es dich noch belastet, kann ein Gespräch helfen:",
        call="Anruf",
        text="SMS",
    ),
    "fr": Wording(
        self_risk="Merci de me l'avoir dit. On dirait que tu portes quelque chose de très "
        "lourd en ce moment, et tu n'as pas à le porter seul.",
        abuse="Merci de ta confiance. Ce que tu décris n'est pas normal, et ce n'est pas ta "
        "faute.",
        harm="On dirait que tu ressens beaucoup de colère ou de douleur en ce moment. Avant "
        "que quelque chose n'arrive, parle à quelqu'un qui peut aider à garder tout le monde "
        "en sécurité.",
        other="On dirait qu'une personne qui compte pour toi est peut-être en danger. Tu n'as "
        "pas à gérer ça seul.",
        paused="J'ai mis notre histoire en pause, parce que tu comptes plus que l'histoire.",
        person="Une vraie personne peut t'aider, à tout moment :",
        emergency="Si quelqu'un est en danger immédiat, appelle le {number}.",
        emergency_generic="Si quelqu'un est en danger immédiat, appelle les urgences locales.",
        closing="Je suis toujours là si tu veux continuer à parler.",
        low="Merci de partager cela. Si ça te pèse encore, en parler à quelqu'un peut aider :",
        call="appeler",
        text="SMS",
    ),
    "es": Wording(
        self_risk="Gracias por contármelo. Parece que estás cargando con algo muy pesado ahora "
        "mismo, y no tienes que cargarlo solo.",
        abuse="Gracias por confiar en mí. Lo que describes no está bien, y no es culpa tuya.",
        harm="Parece que sientes mucha rabia o dolor ahora mismo. Antes de que pase algo, habla "
        "con alguien que pueda ayudar a que tú y los demás estéis a salvo.",
        other="Parece que alguien que te importa podría estar en peligro. No tienes que "
        "afrontarlo solo.",
        paused="He pausado nuestra historia, porque tú importas más que la historia.",
        person="Una persona real puede ayudarte, en cualquier momento:",
        emergency="Si alguien está en peligro inmediato, llama al {number}.",
        emergency_generic="Si alguien está en peligro inmediato, llama al número de "
        "emergencias local.",
        closing="Sigo aquí si quieres seguir hablando.",
        low="Gracias por compartirlo. Si todavía te pesa, hablar con alguien puede ayudar:",
        call="llamar",
        text="SMS",
    ),
}


# How the story goes on after a pause: the user decides ("self": no counselor), or the
# counselor does. Keyed by language; the button's label is English on every platform.
Resume = Literal["self", "counselor"]
RESUME: dict[str, dict[Resume, str]] = {
    "en": {"self": "When you feel safe, press \u201cI'm safe, let's go on\u201d or send /resume, "
                   "and we'll go back to your story. /helplines shows these lines again.",
           "counselor": "Your counselor will see this and decide with you when the story goes "
                        "on. /helplines shows these lines again."},
    "pt": {"self": "Quando te sentires em segurança, carrega no botão ou envia /resume, e "
                   "voltamos à tua história. /helplines mostra estas linhas outra vez.",
           "counselor": "O teu conselheiro vai ver isto e decidir contigo quando a história "
                        "continua. /helplines mostra estas linhas outra vez."},
    "pt-BR": {"self": "Quando você se sentir em segurança, toque no botão ou envie /resume, e "
                      "voltamos à sua história. /helplines mostra estes contatos de novo.",
              "counselor": "Seu conselheiro vai ver isso e decidir com você quando a história "
                           "continua. /helplines mostra estes contatos de novo."},
    "de": {"self": "Wenn du dich sicher fühlst, tippe auf den Knopf oder sende /resume, dann "
                   "geht deine Geschichte weiter. /helplines zeigt diese Nummern wieder.",
           "counselor": "Deine Beratung sieht das und entscheidet mit dir, wann die Geschichte "
                        "weitergeht. /helplines zeigt diese Nummern wieder."},
    "fr": {"self": "Quand tu te sens en sécurité, appuie sur le bouton ou envoie /resume, et on "
                   "reprend ton histoire. /helplines affiche de nouveau ces numéros.",
           "counselor": "Ton conseiller verra ce message et décidera avec toi quand l'histoire "
                        "reprend. /helplines affiche de nouveau ces numéros."},
    "es": {"self": "Cuando te sientas a salvo, pulsa el botón o envía /resume, y volvemos a tu "
                   "historia. /helplines muestra de nuevo estos números.",
           "counselor": "Tu consejero verá esto y decidirá contigo cuándo sigue la historia. "
                        "/helplines muestra de nuevo estos números."},
}


def helplines(locale: str) -> str:
    """The crisis lines for a locale, to show on request (kept one tap away after a pause)."""
    res = crisis_resources(locale)
    words = WORDING.get(res.locale) or WORDING.get(res.language) or WORDING["en"]
    lines = _service_lines(res, ["crisis", "abuse", "children"], words)
    emergency = (
        words.emergency.format(number=res.emergency) if res.emergency else words.emergency_generic
    )
    return "\n".join([words.person, *lines, emergency])


def crisis_reply(assessment: RiskAssessment, locale: str, resume: Resume | None = None) -> str:
    """A warm, brief reply with local helplines; empty when there is no risk.

    ``resume`` adds how the paused story goes on: by the user's own word, or the counselor's.
    """
    if not assessment.flagged:
        return ""
    res = crisis_resources(locale)
    words = WORDING.get(res.locale) or WORDING.get(res.language) or WORDING["en"]
    lines = _service_lines(res, _kinds_for(assessment), words)
    if not assessment.needs_crisis_reply:
        return "\n".join([words.low, *lines])
    emergency = (
        words.emergency.format(number=res.emergency) if res.emergency else words.emergency_generic
    )
    how = []
    if resume is not None:
        table = RESUME.get(res.locale) or RESUME.get(res.language) or RESUME["en"]
        how = [table[resume]]
    return "\n".join(
        [f"{_opening(assessment, words)} {words.paused}", words.person, *lines, emergency,
         *how, words.closing]
    )


def _opening(a: RiskAssessment, words: Wording) -> str:
    if a.about_someone_else:
        return words.other
    return {"abuse": words.abuse, "harm_to_others": words.harm}.get(
        a.top_category or "", words.self_risk
    )


def _kinds_for(a: RiskAssessment) -> list[ServiceKind]:
    if a.top_category == "abuse":
        return ["abuse", "children", "crisis"]
    return ["crisis"]


def _service_lines(res: CrisisResources, kinds: list[ServiceKind], words: Wording) -> list[str]:
    chosen: list[CrisisService] = []
    for kind in kinds:
        chosen += [s for s in res.for_kind(kind) if s not in chosen]
    if not chosen:
        chosen = list(res.services)
    return [_line(s, words) for s in chosen[:MAX_SERVICES]]


def _line(s: CrisisService, words: Wording) -> str:
    ways = []
    if s.phone:
        ways.append(f"{words.call} {s.phone}")
    if s.sms:
        ways.append(s.sms if " " in s.sms else f"{words.text} {s.sms}")
    detail = " / ".join(ways)
    extras = ", ".join(x for x in (s.hours, s.url) if x)
    body = f"{s.name}: {detail}" if detail else s.name
    return f"- {body} ({extras})" if extras else f"- {body}"
