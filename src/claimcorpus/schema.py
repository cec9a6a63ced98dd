"""The JSON Schemas in schema/ and the label sets they define (the only copy).

>>> labels()["hedge_type"]
('modal', 'epistemic', 'evidential', 'approximator')
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

from jsonschema import Draft202012Validator, ValidationError, validators
from referencing import Registry, Resource

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schema"
SCHEMAS = ("sentence", "document", "layer", "segment")


_CACHES: list = []
_use: list[Path] = []  # a schema folder chosen at run time (use()), else the default


def cached(fn):
    """functools.cache, forgotten by reset(): for everything derived from the schemas or the span kinds."""
    fn = functools.cache(fn)
    _CACHES.append(fn)
    return fn


def reset() -> None:
    """Forget every value derived from the schemas and kinds (after use() or kinds.register())."""
    for fn in _CACHES:
        fn.cache_clear()


def use(directory: Path | None) -> None:
    """Read the schemas from ``directory`` from now on (None: the default again)."""
    _use[:] = [Path(directory)] if directory else []
    reset()


def schema_dir() -> Path:
    """The one place schemas are read from: use()'s folder, else schema/ of the checkout (two folders
    above this file: src/claimcorpus/ -> the repository root), else ``claimcorpus/schema/`` inside the
    installed package. A wheel carries that folder: pyproject.toml's
    ``[tool.hatch.build.targets.wheel.force-include]`` copies schema/ (the four ``*.schema.json`` and
    ``labelstudio.xml``) to ``claimcorpus/schema``, which is also what `claimcorpus init` copies into a
    new repository."""
    if _use:
        return _use[0]
    packaged = Path(__file__).resolve().parent / "schema"
    return SCHEMA_DIR if SCHEMA_DIR.is_dir() else packaged


@cached
def load(name: str) -> dict:
    return json.loads((schema_dir() / f"{name}.schema.json").read_text(encoding="utf-8"))


@cached
def fields(name: str) -> tuple[str, ...]:
    """The top-level fields of a record, in schema order: the one list of them (manifest entries, layer.json).

    >>> fields("document")[:5]
    ('doc_id', 'path', 'sha256_raw', 'sha256_text', 'n_chars')
    """
    return tuple(load(name)["properties"])


@cached
def _registry() -> Registry:
    resources = []
    for name in SCHEMAS:
        doc = load(name)
        res = Resource.from_contents(doc)
        resources += [(doc["$id"], res), (f"{name}.schema.json", res)]
    return Registry().with_resources(resources)


def _is_int(checker, instance) -> bool:
    return isinstance(instance, int) and not isinstance(instance, bool)


def _full_pattern(validator, patrn, instance, schema):
    """``pattern`` as ECMA-262 reads it: ``$`` is the end of the string (Python's also matches before a final newline)."""
    if validator.is_type(instance, "string") and not re.search(re.sub(r"(?<!\\)\$", r"\\Z", patrn), instance):
        yield ValidationError(f"{instance!r} does not match {patrn!r}")


def _plain_type(validator, types, instance, schema):
    """``type``, with plain words for a number where a whole number belongs: JSON readers keep an integer
    beyond 64 bits only as an approximate float (10**30 arrives as 1e+30), and 33.0 is a decimal here."""
    types = [types] if isinstance(types, str) else list(types)
    if any(validator.is_type(instance, t) for t in types):
        return
    shown = ", ".join(repr(t) for t in types)
    if "integer" in types and isinstance(instance, float):
        if instance != instance or instance in (float("inf"), float("-inf")):
            yield ValidationError(f"{instance!r} is not a number a record can hold (expected {shown})")
        elif instance.is_integer() and abs(instance) >= 2**63:
            yield ValidationError(f"{instance:g} is too large: a whole number (offset, index) is at most 2^63-1, "
                                  f"and a JSON number this long is read only approximately (expected {shown})")
        elif instance.is_integer():
            yield ValidationError(f"{instance!r} is written as a decimal; write the whole number {int(instance)} "
                                  f"(expected {shown})")
        else:
            yield ValidationError(f"{instance!r} is not a whole number (expected {shown})")
        return
    yield ValidationError(f"{instance!r} is not of type {shown}")


# Strict at the edge: an offset 33.0 is not an integer here (JSON Schema would accept it) and "abc\n"
# does not match ^[a-z]+$ (Python's re would): records that pass are safe to index and to name files.
Strict = validators.extend(
    Draft202012Validator,
    validators={"pattern": _full_pattern, "type": _plain_type},
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_int),
)


@cached
def validator(name: str) -> Draft202012Validator:
    schema = load(name)
    Draft202012Validator.check_schema(schema)
    return Strict(schema, registry=_registry())


def has_float(value) -> bool:
    """Whether a JSON value holds a non-integer number anywhere (no schema field allows one).

    Walked with a stack, plain types tested first: it runs on every record of level 2's fast path.

    >>> has_float({"a": [1, {"b": 2.0}]}), has_float({"a": [1, "2.5", True, None]})
    (True, False)
    """
    stack = [value]
    pop, extend = stack.pop, stack.extend
    while stack:
        v = pop()
        t = type(v)
        if t is str or t is int or t is bool or v is None:
            continue
        if t is dict:
            extend(v.values())
        elif t is list:
            extend(v)
        elif isinstance(v, float):
            return True
        elif isinstance(v, dict):
            extend(v.values())
        elif isinstance(v, list):
            extend(v)
    return False


MAX_DEPTH = 64  # no record nests more than 5 levels; deeper input is refused before Python recurses into it


def too_deep(value, limit: int = MAX_DEPTH) -> bool:
    """Whether a JSON value nests lists/objects more than ``limit`` levels (checked without recursion).

    >>> too_deep([[[]]], 2), too_deep([[[]]], 3)
    (True, False)
    """
    stack = [(value, 0)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, (list, dict)):
            if d >= limit:
                return True
            stack.extend((c, d + 1) for c in (v.values() if isinstance(v, dict) else v))
    return False


class _Fast:
    """jsonschema-rs plus the strict integer rule it lacks (it accepts 33.0 as an integer, as the spec says)."""

    def __init__(self, rs) -> None:
        self.rs = rs

    def is_valid(self, rec) -> bool:
        return self.rs.is_valid(rec) and not has_float(rec)


@cached
def fast_validator(name: str):
    """jsonschema-rs over the same schema files: a fast yes/no. Messages always come from
    ``validator(name)`` (python-jsonschema), which is the reference; tests check both agree."""
    import jsonschema_rs

    registry = jsonschema_rs.Registry([(load(n)["$id"], load(n)) for n in SCHEMAS]
                                      + [(f"{n}.schema.json", load(n)) for n in SCHEMAS])
    return _Fast(jsonschema_rs.validator_for(load(name), registry=registry, base_uri=load(name)["$id"]))


@cached
def labels() -> dict[str, tuple[str, ...]]:
    """Every label set: each ``$defs`` enum of sentence.schema.json, by its name, in schema order."""
    defs = load("sentence")["$defs"]
    return {name: tuple(d["enum"]) for name, d in defs.items() if "enum" in d}


@cached
def label_fields() -> frozenset[str]:
    """Property names whose value is one of a label set (``label``, ``type``): their enum errors are E202."""
    defs = load("sentence")["$defs"]
    sets = {f"#/$defs/{name}" for name in labels()}
    return frozenset(k for d in defs.values() for k, v in d.get("properties", {}).items()
                     if isinstance(v, dict) and v.get("$ref") in sets)


@cached
def label_descriptions() -> dict[str, dict[str, str]]:
    defs = load("sentence")["$defs"]
    return {name: dict(defs[name]["x-descriptions"]) for name in labels()}


def is_real_date(value: str) -> bool:
    """A YYYY, YYYY-MM or YYYY-MM-DD string naming a day that exists.

    >>> [is_real_date(d) for d in ("2024", "2024-02-29", "2023-02-29", "2024-13", "2024\\n")]
    [True, True, False, False, False]
    """
    from datetime import date

    m = re.fullmatch(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?", value)
    if not m:
        return False
    try:
        date(int(m[1]), int(m[2] or 1), int(m[3] or 1))
    except ValueError:
        return False
    return m[1] != "0000"
