"""Safety for storyloom: turn risk detection, crisis replies, output moderation, tone floor.

Pure library: no environment, no Redis, no worker/bot imports. torch and transformers are
imported only when a RiskDetector with embeddings is loaded.
"""

from nlu.safety.assessment import RiskAssessment
from nlu.safety.detector import RiskDetector, assess_risk
from nlu.safety.moderation import ModerationResult, moderate
from nlu.safety.reply import crisis_reply, helplines
from nlu.safety.resources import CrisisResources, CrisisService, crisis_resources
from nlu.safety.tones import allowed_tones

__all__ = [
    "CrisisResources",
    "CrisisService",
    "ModerationResult",
    "RiskAssessment",
    "RiskDetector",
    "allowed_tones",
    "assess_risk",
    "crisis_reply",
    "crisis_resources",
    "helplines",
    "moderate",
]
