"""Telegram's parse_mode checks: reject markup the real Bot API rejects, return the plain text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

HTML_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
    "a", "code", "pre", "blockquote", "tg-emoji",
}  # fmt: skip
MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")
MDV2_TOGGLES = {
    "*": "Bold",
    "_": "Italic",
    "__": "Underline",
    "~": "Strikethrough",
    "||": "Spoiler",
}


class MarkupError(ValueError):
    """The Bot API's "can't parse entities" error; str() is the description after the prefix."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def to_plain(text: str, parse_mode: str | None) -> str:
    """Validate `text` under `parse_mode` and return the text a user would see."""
    if parse_mode is None or parse_mode == "":
        return text
    mode = parse_mode.lower()
    if mode == "html":
        return _html_plain(text)
    if mode == "markdownv2":
        return _MarkdownV2(text).plain()
    if mode == "markdown":
        return _legacy_markdown_plain(text)
    raise MarkupError(f"unsupported parse_mode {parse_mode!r}")


class _HtmlChecker(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self._text = text
        self._starts = [0]
        for i, ch in enumerate(text):
            if ch == "\n":
                self._starts.append(i + 1)
        self.stack: list[str] = []
        self.out: list[str] = []

    def _offset(self) -> int:
        line, col = self.getpos()
        return _byte_offset(self._text, self._starts[line - 1] + col)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in HTML_TAGS:
            raise MarkupError(f'Unsupported start tag "{tag}" at byte offset {self._offset()}')
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            expected = f'"</{self.stack[-1]}>"' if self.stack else "no end tag"
            raise MarkupError(
                f"Unmatched end tag at byte offset {self._offset()}, expected {expected}, "
                f'found "</{tag}>"'
            )
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.out.append(data)


def _html_plain(text: str) -> str:
    stray = re.search(r"<(?![a-zA-Z/])", text)
    if stray:
        offset = _byte_offset(text, stray.start())
        raise MarkupError(f'Unsupported start tag "" at byte offset {offset}')
    checker = _HtmlChecker(text)
    checker.feed(text)
    checker.close()
    if checker.stack:
        tag = checker.stack[-1]
        raise MarkupError(f'Can\'t find end tag corresponding to start tag "{tag}"')
    return "".join(checker.out)


class _MarkdownV2:
    """A small MarkdownV2 reader following the escaping rules of the Bot API docs."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.out: list[str] = []
        self.open: list[tuple[str, int]] = []

    def plain(self) -> str:
        while self.i < len(self.text):
            self._step()
        if self.open:
            marker, index = self.open[-1]
            name = "TextUrl" if marker == "[" else MDV2_TOGGLES[marker]
            raise MarkupError(
                f"Can't find end of {name} entity at byte offset {_byte_offset(self.text, index)}"
            )
        return "".join(self.out)

    def _step(self) -> None:
        text, i = self.text, self.i
        ch = text[i]
        if ch == "\\":
            if i + 1 < len(text):
                self.out.append(text[i + 1])
            self.i += 2
        elif ch == "`":
            self._code()
        elif text.startswith("||", i) or text.startswith("__", i):
            self._toggle(text[i : i + 2])
        elif ch in "*_~":
            self._toggle(ch)
        elif ch == "[":
            self.open.append(("[", i))
            self.i += 1
        elif ch == "]" and self.open and self.open[-1][0] == "[":
            self._link_url()
        elif ch == ">" and (i == 0 or text[i - 1] == "\n"):
            self.i += 1
        elif ch in MDV2_RESERVED:
            raise MarkupError(
                f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
            )
        else:
            self.out.append(ch)
            self.i += 1

    def _toggle(self, marker: str) -> None:
        for pos in range(len(self.open) - 1, -1, -1):
            if self.open[pos][0] == marker:
                del self.open[pos]
                break
        else:
            self.open.append((marker, self.i))
        self.i += len(marker)

    def _code(self) -> None:
        fence = "```" if self.text.startswith("```", self.i) else "`"
        start = self.i
        j = start + len(fence)
        while j < len(self.text):
            if self.text[j] == "\\":
                j += 2
                continue
            if self.text.startswith(fence, j):
                body = self.text[start + len(fence) : j]
                if fence == "```" and "\n" in body:
                    body = body.split("\n", 1)[1]
                self.out.append(body.replace("\\`", "`").replace("\\\\", "\\"))
                self.i = j + len(fence)
                return
            j += 1
        name = "Pre" if fence == "```" else "Code"
        raise MarkupError(
            f"Can't find end of {name} entity at byte offset {_byte_offset(self.text, start)}"
        )

    def _link_url(self) -> None:
        self.open.pop()
        j = self.i + 1
        if j >= len(self.text) or self.text[j] != "(":
            raise MarkupError(
                f"Can't find end of a URL at byte offset {_byte_offset(self.text, j)}"
            )
        j += 1
        while j < len(self.text) and self.text[j] != ")":
            j += 2 if self.text[j] == "\\" else 1
        if j >= len(self.text):
            raise MarkupError(
                f"Can't find end of a URL at byte offset {_byte_offset(self.text, j)}"
            )
        self.i = j + 1


def _legacy_markdown_plain(text: str) -> str:
    out: list[str] = []
    open_marker: tuple[str, int] | None = None
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in "_*`[":
            out.append(text[i + 1])
            i += 2
            continue
        if ch in "_*`" and (open_marker is None or open_marker[0] == ch):
            open_marker = None if open_marker else (ch, i)
        elif ch == "[" and open_marker is None:
            open_marker = ("[", i)
        elif ch == "]" and open_marker and open_marker[0] == "[":
            close = text.find(")", i)
            if not text.startswith("(", i + 1) or close < 0:
                raise MarkupError(f"Can't find end of the entity starting at byte offset {i}")
            open_marker, i = None, close
        else:
            out.append(ch)
        i += 1
    if open_marker is not None:
        offset = _byte_offset(text, open_marker[1])
        raise MarkupError(f"Can't find end of the entity starting at byte offset {offset}")
    return "".join(out)
