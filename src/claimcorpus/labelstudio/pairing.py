"""Which region goes with which when the annotator drew no relation.

Relations always win. Without one:

- a span whose pair must contain it (a hedge cue and its scope) takes the smallest such region
  around it. Two cues whose smallest scope is the same region are ambiguous and refused; a second
  scope region of the same extent resolves it (one each).
- otherwise (a claim and its mention source) the only span without a pair takes the only region
  without a span; with more than one of either, each must be related.

A region left over (a scope no cue takes, a source no claim takes) is refused too: nothing drawn
is dropped silently. Sample: cue "may" 40:43, scopes 26:74 and 40:54 -> the cue takes 40:54.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from claimcorpus.errors import LabelStudioError


class Extent(Protocol):
    start: int
    end: int
    text: str


def _show(x: Extent) -> str:
    return f"{x.text!r} ({x.start}:{x.end})"


def by_containment(spans: Sequence[Extent], regions: Sequence[Extent], what: str, name: str, where: str,
                   ids: Sequence[str]) -> dict[int, str]:
    """span index -> id of the smallest region around it (``ids[i]`` names ``regions[i]``)."""
    groups: dict[tuple[int, int], list[int]] = {}
    for i, s in enumerate(spans):
        around = [r for r in regions if r.start <= s.start and s.end <= r.end]
        if around:
            best = min(around, key=lambda r: (r.end - r.start, r.start))
            groups.setdefault((best.start, best.end), []).append(i)
    out: dict[int, str] = {}
    for extent, members in groups.items():
        same = [rid for rid, r in zip(ids, regions) if (r.start, r.end) == extent]
        if len(members) > len(same):
            both = " and ".join(_show(spans[i]) for i in members)
            raise LabelStudioError(where, f"{what}s {both} have the same {name} {_show(regions[ids.index(same[0])])} as "
                              f"the smallest around them, so which is whose is ambiguous",
                              f"relate each {what} to its {name}, or draw the {name} once for each {what}")
        out.update(zip(members, same))
    _leftover([r for rid, r in zip(ids, regions) if rid not in out.values()], what, name, where)
    return out


def single(spans: Sequence[Extent], regions: Sequence[Extent], what: str, name: str, where: str,
           ids: Sequence[str]) -> dict[int, str]:
    """{0: the region's id} when exactly one span and one region are without a relation."""
    if not regions:
        return {}
    if len(spans) == 1 and len(regions) == 1:
        return {0: ids[0]}
    _leftover(regions, what, name, where, f"{len(spans)} {what}s and {len(regions)} {name} regions have no relation")
    return {}


def _leftover(regions: Sequence[Extent], what: str, name: str, where: str, why: str | None = None) -> None:
    if regions:
        raise LabelStudioError(where, why or f"{name} {_show(regions[0])} belongs to no {what}",
                          f"relate each {name} to its {what} (select the {what}, press Alt+R, click the {name}), "
                          "or delete it")
