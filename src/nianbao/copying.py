"""S5: authored text copied from last year or from another department.

One measure for both kinds of copying (Jaccard similarity of character
shingles); a project run shares one :class:`SectionTexts` so each pair of peers
is compared once.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from itertools import chain
from operator import itemgetter

from . import formats as F
from .contract import Submission
from .findings import Finding
from .rules import finding

_MIN_COPY_CHARS = 40  # short standard sentences ("本年度无其他需要报告的事项。") are not copying
# One measure for both kinds of copying: the Jaccard similarity of 6-character
# shingles (after dropping punctuation and spaces), at least 0.8.
_OTHER_DEPARTMENT_JACCARD = 0.8
_SHINGLE = 6
# Up to this many distinct texts, a group's pairs are all compared (a typical
# region of a dozen departments); beyond it the prefix filter pays.
_SMALL_GROUP = 32
_PUNCT_SPACE = re.compile(r"[\s，。；：、,.;:！？!?“”\"'（）()#*>\-]+")


def _comparable(text: str) -> str:
    return _PUNCT_SPACE.sub("", text)


def _shingles(text: str) -> frozenset[str]:
    return frozenset({text[i : i + _SHINGLE] for i in range(max(1, len(text) - _SHINGLE + 1))})


class SectionTexts:
    """Each submission's comparable section text and shingles, computed once, and
    each pair of peers compared once (the relation is symmetric).  A project run
    shares one instance: without it every department of a region re-derived the
    shingles of every peer, O(n²) set constructions per region and year.
    Keys are ``id(submission)``: the submissions must outlive the instance."""

    def __init__(self):
        self._text: dict[tuple[int, str], str] = {}
        self._shingles: dict[tuple[int, str], frozenset[str]] = {}
        self._pairs: dict[tuple[str, int, int], bool] = {}
        self._similar: dict[tuple, dict[int, tuple[Submission, ...]]] = {}

    def text(self, sub: Submission, heading: str) -> str:
        key = (id(sub), heading)
        if key not in self._text:
            self._text[key] = _comparable((sub.narrative or {}).get(heading, ""))
        return self._text[key]

    def shingles(self, sub: Submission, heading: str) -> frozenset[str]:
        key = (id(sub), heading)
        if key not in self._shingles:
            self._shingles[key] = _shingles(self.text(sub, heading))
        return self._shingles[key]

    def alike(self, a: Submission, b: Submission, heading: str) -> bool:
        """6-character-shingle Jaccard of the two sections ≥ the threshold."""
        low, high = sorted((id(a), id(b)))
        key = (heading, low, high)
        if key not in self._pairs:
            self._pairs[key] = _alike(self.shingles(a, heading), self.shingles(b, heading))
        return self._pairs[key]

    def similar(self, heading: str, group: list[Submission]) -> dict[int, tuple[Submission, ...]]:
        """id of a member of ``group`` whose section is alike another's → the alike
        members *including itself*, in department order.  Computed once per group
        and heading; members with the same alike members share one tuple (a region
        of n alike sections costs O(n) tuples, not n lists of n − 1).

        Members with the same comparable text form one class and only one of them
        is compared (identical sections are alike by definition): 300 departments
        sharing one boilerplate section cost one comparison, not 45,000."""
        key = (heading, frozenset(map(id, group)))
        if key not in self._similar:
            classes: dict[str, list[Submission]] = {}
            for sub in group:
                if len(self.text(sub, heading)) >= _MIN_COPY_CHARS:
                    classes.setdefault(self.text(sub, heading), []).append(sub)
            members = list(classes.values())
            linked: list[list[int]] = [[] for _ in members]
            for i, j in self.alike_pairs(heading, [cls[0] for cls in members]):
                linked[i].append(j)
                linked[j].append(i)
            result: dict[int, tuple[Submission, ...]] = {}
            shared: dict[frozenset[int], tuple[Submission, ...]] = {}
            for i, cls in enumerate(members):
                if len(cls) == 1 and not linked[i]:
                    continue
                closed = frozenset((i, *linked[i]))
                if closed not in shared:
                    everyone = [peer for j in sorted(closed) for peer in members[j]]
                    shared[closed] = tuple(sorted(everyone, key=lambda peer: peer.department.id))
                result.update((id(sub), shared[closed]) for sub in cls)
            self._similar[key] = result
        return self._similar[key]

    def alike_pairs(self, heading: str, reps: list[Submission]) -> list[tuple[int, int]]:
        """The pairs (j, i), j < i, of ``reps`` (distinct texts of one group) whose
        sections are alike.  A small group compares every pair.  A big one compares
        only the pairs an exact filter lets through (prefix filtering, as in
        all-pairs similarity joins): order each section's shingles rarest-first
        within the group; two sets with Jaccard ≥ t share a shingle within their
        first ``n − ⌈t·n⌉ + 1``.  Each section's candidates are collected as a set
        of earlier sections (set updates, not a tuple per pair: near-identical
        texts make every pair a candidate) and compared on the spot."""
        sets = [self.shingles(sub, heading) for sub in reps]
        found = []
        if len(sets) <= _SMALL_GROUP:
            for i, mine in enumerate(sets):
                found += [(j, i) for j in range(i) if _alike(sets[j], mine)]
            return found
        frequency = Counter(chain.from_iterable(sets))
        rank = {token: r for r, (token, _) in enumerate(sorted(frequency.items(), key=itemgetter(1, 0)))}
        index: dict[str, list[int]] = {}
        for i, mine in enumerate(sets):
            ordered = sorted(mine, key=rank.__getitem__)
            size = len(ordered)
            # 1e-9: never a shorter prefix through float rounding (longer is always safe)
            prefix = size - math.ceil(_OTHER_DEPARTMENT_JACCARD * size - 1e-9) + 1
            candidates: set[int] = set()
            for token in ordered[:prefix]:
                bucket = index.setdefault(token, [])
                candidates.update(bucket)
                bucket.append(i)
            found += [(j, i) for j in sorted(candidates) if _alike(sets[j], mine)]
        return found


def _alike(mine: frozenset[str], theirs: frozenset[str]) -> bool:
    """Jaccard of two shingle sets ≥ the threshold."""
    small, large = sorted((len(mine), len(theirs)))
    # Jaccard ≤ |small| / |large|: most pairs are decided without intersecting.
    if small < _OTHER_DEPARTMENT_JACCARD * large:
        return False
    common = len(mine & theirs)
    return common / (len(mine) + len(theirs) - common) >= _OTHER_DEPARTMENT_JACCARD


_NAMED_PEERS = 5  # a finding names this many similar peers and counts the rest


def _peers_text(sub: Submission, alike: tuple[Submission, ...]) -> str:
    """The first few alike peers by name, and how many there are (``alike`` includes ``sub``)."""
    named = [p for p in alike[: _NAMED_PEERS + 1] if p is not sub][:_NAMED_PEERS]
    text = "、".join(f"{p.department.name}（{p.department.id}）" for p in named)
    count = len(alike) - 1
    return f"{text}等 {count} 个部门" if count > _NAMED_PEERS else text


def copy_findings(sub: Submission, previous: Submission | None, peers: list[Submission],
                  texts: SectionTexts | None = None) -> list[Finding]:
    """At most one S5 finding per section: last year's copy and every alike peer
    of the region are named in one message (peers: the first few and the count)."""
    if not sub.narrative:
        return []
    texts = texts or SectionTexts()
    rel = f"{sub.folder}/{F.TABLE_FILES[F.NARRATIVE]}"
    found = []
    for heading in F.AUTHORED_SECTIONS:
        text = texts.text(sub, heading)
        if len(text) < _MIN_COPY_CHARS:
            continue
        copied_last_year = bool(
            previous and previous.narrative and len(texts.text(previous, heading)) >= _MIN_COPY_CHARS
            and texts.alike(sub, previous, heading)
        )
        alike = texts.similar(heading, [sub, *peers]).get(id(sub), ()) if peers else ()
        if not copied_last_year and not alike:
            continue
        sources = []
        if copied_last_year:
            assert previous is not None  # copied_last_year implies a previous year
            sources.append(f"本部门{previous.year}年报告")
        if alike:
            sources.append(f"{_peers_text(sub, alike)}同年报告")
        advice = "请按本年度情况写本部门的情况" if copied_last_year and alike else (
            "请按本年度情况重写" if copied_last_year else "请写本部门的情况")
        found.append(finding(
            "S5", message=f"「{heading}」与{'，也与'.join(sources)}的同一部分基本相同（内容雷同），{advice}",
            year=sub.year, department=sub.department.id, table=F.NARRATIVE, row=heading, file=rel,
        ))
    return found
