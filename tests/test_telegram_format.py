"""What Telegram shows of an installment: every word, within 4096 units, never read as markup."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.buttons import decode, installment_buttons, tone_buttons, vote_buttons
from bot.discord.format import CONTENT_LIMIT, chunks
from bot.telegram.format import TEXT_LIMIT, installment_chunks, plain_chunks
from bot.text import guess_language, is_handled_language, utf16_len
from tests.fakes.telegram_markup import to_plain

HEADING = "Your story"
words = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1,
                max_size=12)
paragraph = st.lists(words, min_size=1, max_size=900).map(" ".join)
story = st.lists(paragraph, min_size=1, max_size=6).map("\n\n".join)


def _norm(text: str) -> list[str]:
    return text.split()


@settings(max_examples=60, deadline=None)
@given(story)
def test_installment_chunks_parse_back_to_the_text_within_the_limit(text: str) -> None:
    shown = [to_plain(chunk, "HTML") for chunk in installment_chunks(text, HEADING)]
    assert all(utf16_len(s) <= TEXT_LIMIT for s in shown)
    assert shown[0].startswith(HEADING + "\n\n")
    body = [shown[0][len(HEADING) + 2:], *shown[1:]]
    assert _norm(" ".join(body)) == _norm(text), "no word lost, added or mangled"


@settings(max_examples=40, deadline=None)
@given(story)
def test_plain_and_discord_chunks_keep_every_word_within_limits(text: str) -> None:
    plain = plain_chunks(text)
    assert all(utf16_len(c) <= TEXT_LIMIT for c in plain)
    assert _norm(" ".join(plain)) == _norm(text)
    posts = chunks(text, "The story continues")
    assert all(len(p) <= CONTENT_LIMIT for p in posts)


def test_paragraphs_are_kept_whole_when_they_fit() -> None:
    paragraphs = ["a" * 3000, "b" * 3000, "c" * 100]
    assert plain_chunks("\n\n".join(paragraphs)) == ["a" * 3000, "b" * 3000 + "\n\n" + "c" * 100]


def test_markup_in_model_output_is_shown_literally() -> None:
    (chunk,) = installment_chunks("<b>bold</b> & <a href='x'>link</a> <3", HEADING)
    assert to_plain(chunk, "HTML") == f"{HEADING}\n\n<b>bold</b> & <a href='x'>link</a> <3"
    (post,) = chunks("**not bold** @everyone _x_", None)
    assert "\\*\\*not bold\\*\\*" in post and "@\u200beveryone" in post


def test_every_button_fits_telegram_callback_data() -> None:
    iid = "f" * 32
    rows = [*installment_buttons(iid), *tone_buttons(iid), *vote_buttons(iid, ("a", "b", "c"))]
    data = [b.data for row in rows for b in row]
    assert all(1 <= len(d.encode()) <= 64 for d in data)
    assert all(decode(d) is not None for d in data)
    assert decode("fb:tone:joy:" + iid) is not None and decode("rm -rf /") is None


def test_language_guess() -> None:
    assert is_handled_language("My grandmother Maria taught me to bake bread in Lisbon.")
    assert is_handled_language("Lisbon, 1998")  # too short to tell: treated as English
    assert guess_language("Mi abuela me enseñó a hacer pan en la cocina de su casa.") == "es"
    assert guess_language("Ich war mit meiner Mutter in Berlin und es war schön.") == "de"
    assert guess_language("Моя бабушка научила меня печь хлеб.") == "cyrillic"
    assert not is_handled_language("我的奶奶教我做面包")
