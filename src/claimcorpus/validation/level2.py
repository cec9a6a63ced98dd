"""Level 2: every record against its JSON Schema in schema/ (label errors under their own code)."""

from __future__ import annotations

from claimcorpus import schema
from claimcorpus.validation.codes import yields
from claimcorpus.validation.finding import Finding


@yields("E201", "E202")
def schema_findings(name: str, rec: dict, rel: str, line: int | None, fast: bool = False) -> list[Finding]:
    """Level 2: all JSON Schema errors of one record, label errors under their own code.

    With ``fast``, jsonschema-rs first says yes or no; only a rejected record is walked by
    python-jsonschema for its messages, so the findings are the same either way.
    """
    if fast and schema.fast_validator(name).is_valid(rec):
        return []
    out = []
    rid = rec.get("id") if isinstance(rec.get("id"), str) else None
    if schema.too_deep(rec):
        return [Finding("E201", rel, line, rid, f"(record): nested more than {schema.MAX_DEPTH} levels deep")]
    for err in sorted(schema.validator(name).iter_errors(rec), key=lambda e: list(map(str, e.absolute_path))):
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.absolute_path).lstrip(".") or "(record)"
        is_label = err.validator == "enum" and err.absolute_path and err.absolute_path[-1] in schema.label_fields()
        if is_label:
            msg = f"{path}: unknown value {err.instance!r}; allowed: {', '.join(err.validator_value)}"
            out.append(Finding("E202", rel, line, rid, msg))
        else:
            out.append(Finding("E201", rel, line, rid, f"{path}: {err.message}"))
    return out
