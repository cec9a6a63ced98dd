"""The one Markdown-table writer (card, agreement, checks and label docs).

>>> print(table(["label", "count"], [["GPE", 3]]), end="")
| label | count |
|---|---|
| GPE | 3 |
>>> table(["a", "n"], [], right_from=1).splitlines()[1]
'|---|---:|'
"""

from __future__ import annotations


def table(head: list[str], rows: list[list], right_from: int | None = None) -> str:
    """A pipe table; columns from ``right_from`` on are right-aligned (numbers)."""
    rule = ["---:" if right_from is not None and i >= right_from else "---" for i in range(len(head))]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(rule) + "|"]
    return "\n".join(lines + ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]) + "\n"
