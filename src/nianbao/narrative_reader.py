"""Reading ``narrative.md``: the six official sections, with N1 (missing or
unknown sections), N2 (template prompts, repeated headings) and N3 (links and
images the published page will not carry) found on the way.

A mixin of the contract's reader (:mod:`nianbao.contract`): it uses the reader's
``finding``, ``rel``, ``readable`` and ``report_personal_data``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import formats as F
from .textio import InputFileError, normalise_label, read_text_noting, shorten

_PROMPT_KEYS = tuple(normalise_label(p).strip("()") for p in F.NARRATIVE_PROMPTS.values())
# A line holding a prompt holds the prompt's first character (请) as written:
# normalise_label makes it of no other character (NFKC maps no other code point
# to it, and nothing composes into a CJK ideograph; a test checks every code
# point).  So the lines without it - nearly all - skip normalise_label.
_PROMPT_STARTS = frozenset(key[0] for key in _PROMPT_KEYS)
_HEADING = re.compile(r"^##[ \t]+(.+?)[ \t#]*$")
NARRATIVE_MAX_BYTES = 200 * 1024


class NarrativeReading:
    """The narrative part of the contract's reader (``sub.narrative``: official heading → text)."""

    if TYPE_CHECKING:  # provided by the contract's reader, declared for the type checker
        folder: Path
        sub: Any  # contract.Submission, not imported: the contract imports this module

        def finding(self, rule, message, *, table=None, row=None, column=None, expected=None, actual=None, file=None,
                    line=None) -> None: ...
        def rel(self, name: str) -> str: ...
        def readable(self, path, rel: str, table: str | None) -> bool: ...
        def exists(self, name: str) -> bool: ...
        def report_personal_data(self, text: str, rel: str, table: str | None) -> None: ...

    def read_narrative(self):
        name = F.TABLE_FILES[F.NARRATIVE]
        rel = self.rel(name)
        path = self.folder / name
        if not self.exists(name):
            self.finding(
                "N1",
                f"缺少 {rel}：报告的总体情况、存在的主要问题及改进情况、其他需要报告的事项将为空。",
                table=F.NARRATIVE,
                file=rel,
            )
            return
        if not self.readable(path, rel, F.NARRATIVE):
            return
        try:
            text, note = read_text_noting(path, rel, NARRATIVE_MAX_BYTES)
        except InputFileError as exc:
            self.finding("INPUT", str(exc), table=F.NARRATIVE, file=rel)
            return
        self.sub.files.append(rel)
        if note and not any(heading in text for heading in F.SECTION_HEADINGS):
            # Big5 and the like decode as GB18030 without error: one message, not a
            # finding per garbled heading.
            self.finding("INPUT", f"{rel}：找不到任何一个部分的标题：该文件{note}，文字成了乱码。"
                         "请用记事本或编辑器另存为 UTF-8 编码。", table=F.NARRATIVE, file=rel)
            return
        self.report_personal_data(text, rel, F.NARRATIVE)
        self.sub.narrative = self.split_sections(text, rel)
        self.report_links(text, rel)
        prompted = {f.row for f in self.sub.findings if f.rule == "N2" and f.row}
        for heading in F.AUTHORED_SECTIONS:
            if heading not in prompted and not self.sub.narrative.get(heading, "").strip():
                self.finding(
                    "N1",
                    f"{rel}：缺少「## {heading}」部分或该部分为空，请补写。",
                    table=F.NARRATIVE,
                    row=heading,
                    file=rel,
                )

    def split_sections(self, text: str, rel: str) -> dict[str, str]:
        """Official heading → its text.  A heading written twice is merged (nothing
        is lost) but is an N2 error; the template's prompts are N2 errors and are
        dropped, so that a prompt is never published."""
        by_number = {heading[:2]: heading for heading in F.SECTION_HEADINGS}
        sections: dict[str, list[str]] = {}
        first_line: dict[str, int] = {}
        current: list[str] | None = None
        for line_no, line in enumerate(text.splitlines(), start=1):
            match = _HEADING.match(line)
            if match:
                heading = by_number.get(normalise_label(match.group(1))[:2])
                if heading is None:
                    self.finding(
                        "N1",
                        f"{rel} 第{line_no}行：无法识别的标题「{shorten(match.group(1))}」，应为六个部分的标题之一"
                        f"（如「## {F.SECTION_HEADINGS[0]}」）；其下的文字不会出现在报告中。",
                        table=F.NARRATIVE,
                        file=rel,
                        line=line_no,
                    )
                    current = None
                    continue
                if heading in first_line:
                    self.finding(
                        "N2",
                        f"{rel} 第{line_no}行：标题「## {heading}」重复（第{first_line[heading]}行已有）。"
                        "两处的文字会被合并到同一部分，请删除重复的标题（及其中重复的文字）。",
                        table=F.NARRATIVE,
                        row=heading,
                        file=rel,
                        line=line_no,
                    )
                first_line.setdefault(heading, line_no)
                current = sections.setdefault(heading, [])
            elif current is not None:
                if self.is_prompt(line):
                    heading = next(h for h, lines in sections.items() if lines is current)
                    self.finding(
                        "N2",
                        f"{rel} 第{line_no}行：「## {heading}」中仍是模板的提示语「{shorten(line.strip(), 20)}」，"
                        "它不会印在报告中。请删除提示语，写上本部门的情况。",
                        table=F.NARRATIVE,
                        row=heading,
                        file=rel,
                        line=line_no,
                    )
                    continue
                current.append(line)
        texts = {heading: "\n".join(lines).strip() for heading, lines in sections.items()}
        return {heading: text for heading, text in texts.items() if text}

    @staticmethod
    def is_prompt(line: str) -> bool:
        """Whether a line still holds one of the template's prompts (with or
        without its brackets, in any width)."""
        if not any(start in line for start in _PROMPT_STARTS):
            return False
        key = normalise_label(line).strip("()")
        return bool(key) and any(prompt in key for prompt in _PROMPT_KEYS)

    def report_links(self, text: str, rel: str):
        """N3: what the published page will not carry as written (see html.markdown)."""
        if "](" not in text and "]:" not in text and "<" not in text:
            return  # no Markdown link or image syntax at all: skip the parser
        from .html import link_problems

        for problem in link_problems(text):
            if problem.kind == "image":
                what = f"图片「{problem.label or problem.target}」：报告不含图片，只显示其替代文字"
                fix = "如需图表，请在笔记本中绘制；否则删除图片"
            else:
                what = f"链接「{problem.target}」不是完整的 http、https 或 mailto 网址，报告中只显示其文字"
                fix = "请改为完整网址（如 https://www.example.gov.cn/…）或删除链接"
            self.finding("N3", f"{rel} 第{problem.line}行：{what}。{fix}。", table=F.NARRATIVE, file=rel, line=problem.line)
