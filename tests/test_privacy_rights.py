"""Forget (crypto-shredding) and export (JSON, Markdown book, EPUB) with pseudonyms."""

from __future__ import annotations

import io
import json
import zipfile
from xml.etree import ElementTree

from tests.counsel_support import counselor, fake_installment, link, say, tell
from tests.test_privacy_encryption import all_values, all_values_of
from worker.counsel.privacy import adapter_dir, export_everything, forget_everything
from worker.ops.runtime import WorkerContext
from worker.store.records import Chapter, StoryState


def _life(ctx: WorkerContext, analyzer, user: str) -> None:  # type: ignore[no-untyped-def]
    tell(ctx, analyzer, user, "My neighbour Ottoline Brackenbury grew plums in Wexcombe.",
         "I want to die sometimes.")
    fake_installment(ctx, user, "Ottoline Brackenbury handed you a plum in Wexcombe.")


def test_forget_destroys_the_key_then_every_trace(ctx: WorkerContext, analyzer) -> None:  # type: ignore[no-untyped-def]
    store, client, user = ctx.store, ctx.store.redis, "telegram:31"
    link(ctx, counselor(ctx), user)
    _life(ctx, analyzer, user)
    _life(ctx, analyzer, "telegram:32")  # someone else, who stays
    say(ctx, user, "/pseudonym Ottoline Rosa")
    folder = adapter_dir(ctx.settings, user)
    (folder / "v1").mkdir(parents=True)
    (folder / "v1" / "adapter_model.safetensors").write_bytes(b"weights of Ottoline's story")
    sealed_profile = client.get(store.keys.profile(user))

    forget_everything(store, ctx.settings, user)

    values = all_values(client)
    named = [k for k in client.scan_iter() if user.encode() in k or any(
        user.encode() in v for v in all_values_of(client, k))]
    assert not named, f"nothing names the user any more: {named}"
    assert not [v for v in values if b"Brackenbury" in v]
    assert not folder.exists()
    data_dir = ctx.settings.storyloom_data_dir
    for path in (p for p in data_dir.rglob("*") if p.is_file()):
        assert b"Brackenbury" not in path.read_bytes() and b"Ottoline" not in path.read_bytes()
    # a copy of a sealed record that survived somewhere (a backup) no longer opens
    client.set(store.keys.profile(user), sealed_profile)
    assert store.get_profile(user).people == ()
    assert "Brackenbury" in store.turns("telegram:32")[0].text, "the other user is untouched"
    assert store.get_profile("telegram:32").turns_applied == 2
    assert [a.user for a in store.recent_alerts()] == ["telegram:32"]


def test_export_gives_json_a_markdown_book_and_an_epub(ctx: WorkerContext, analyzer) -> None:  # type: ignore[no-untyped-def]
    user = "local:exp"
    _life(ctx, analyzer, user)
    fake_installment(ctx, user, "A second part.\n\nWith two paragraphs about Ottoline.", chapter=2)
    ctx.store.save_story_state(user, StoryState(chapters=(
        Chapter(number=2, title="Ottoline Brackenbury's orchard", starts_at=2),)))
    assert "Rosa" in say(ctx, user, "/pseudonym Ottoline Brackenbury = Rosa Lima")
    json_file, md_file, epub_file = export_everything(ctx.store, user)
    data = json.loads(json_file.data)
    assert "Brackenbury" in data["turns"][0]["text"], "the JSON is the user's own full copy"
    assert data["pseudonyms"] == {"Ottoline Brackenbury": "Rosa Lima"}
    assert len(data["installments"]) == 2 and data["alerts"]
    md = md_file.data.decode()
    assert md.startswith("# My story") and md.count("## Chapter") == 2
    assert "## Chapter 2: Rosa Lima's orchard" in md, "a named chapter keeps its title"
    assert "Rosa Lima handed you a plum" in md and "Brackenbury" not in md
    assert "about Ottoline." in md, "only the whole name given is replaced"
    book = zipfile.ZipFile(io.BytesIO(epub_file.data))
    first = book.infolist()[0]
    assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    assert book.read("mimetype") == b"application/epub+zip"
    names = set(book.namelist())
    assert {"META-INF/container.xml", "OEBPS/content.opf", "OEBPS/nav.xhtml",
            "OEBPS/title.xhtml", "OEBPS/chapter-1.xhtml", "OEBPS/chapter-2.xhtml"} <= names
    for name in names - {"mimetype"}:
        ElementTree.fromstring(book.read(name))  # every part is well-formed XML
    chapter = book.read("OEBPS/chapter-1.xhtml").decode()
    assert "Rosa Lima" in chapter and "Brackenbury" not in chapter
    assert b"<h1>My story</h1>" in book.read("OEBPS/title.xhtml")


def test_pseudonym_command_answers_every_form(ctx: WorkerContext) -> None:
    user = "local:ps"
    assert "none yet" in say(ctx, user, "/pseudonym")
    assert "Maria will be called Ana" in say(ctx, user, "/pseudonym Maria Ana")
    assert "Maria -> Ana" in say(ctx, user, "/pseudonym")
    assert "keeps their own name" in say(ctx, user, "/pseudonym Maria -")
    assert "Write /pseudonym" in say(ctx, user, "/pseudonym Maria")
    assert "Write /pseudonym" in say(ctx, user, "/pseudonym " + "x" * 300 + " y")
    assert ctx.store.pseudonyms(user) == {}


def test_an_empty_story_still_exports(ctx: WorkerContext) -> None:
    files = export_everything(ctx.store, "local:nobody")
    assert [f.name.rsplit(".", 1)[1] for f in files] == ["json", "md", "epub"]
    zipfile.ZipFile(io.BytesIO(files[2].data)).testzip()
