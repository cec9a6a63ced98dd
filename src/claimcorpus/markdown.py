"""The one Markdown-table writer (card, agreement, checks and label docs, the benchmark tables).

>>> print(table(["label", "count"], [["GPE", 3]]), end="")
| label | count |
|---|---|
| GPE | 3 |
>>> table(["a", "n"], [], right_from=1).splitlines()[1]
'|---|---:|'
"""

from __future__ import annotations


def number(x) -> str:
    """A measured figure in a table: three significant digits below 100, whole numbers from 100; '-' for none.

    >>> [number(x) for x in (0.123456, 149.2383, 7, None)]
    ['0.123', '149', '7', '-']
    """
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.3g}" if x < 100 else f"{x:.0f}"
    return str(x)


def table(head: list[str], rows: list[list], right_from: int | None = None) -> str:
    """A pipe table; columns from ``right_from`` on are right-aligned (numbers)."""
    rule = ["---:" if right_from is not None and i >= right_from else "---" for i in range(len(head))]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(rule) + "|"]
    return "\n".join(lines + ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]) + "\n"
