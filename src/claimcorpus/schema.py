"""The JSON Schemas in schema/ and the label sets they define (the only copy).

>>> labels()["hedge_type"]
('modal', 'epistemic', 'evidential', 'approximator')
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from jsonschema import Draft202012Validator
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
    """The one place schemas are read from: use()'s folder, else schema/ of the checkout, else
    schema/ inside the installed package."""
    if _use:
        return _use[0]
    packaged = Path(__file__).resolve().parent / "schema"
    return SCHEMA_DIR if SCHEMA_DIR.is_dir() else packaged


@cached
def load(name: str) -> dict:
    return json.loads((schema_dir() / f"{name}.schema.json").read_text(encoding="utf-8"))


@cached
def _registry() -> Registry:
    resources = []
    for name in SCHEMAS:
        doc = load(name)
        res = Resource.from_contents(doc)
        resources += [(doc["$id"], res), (f"{name}.schema.json", res)]
    return Registry().with_resources(resources)


@cached
def validator(name: str) -> Draft202012Validator:
    schema = load(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, registry=_registry())


@cached
def fast_validator(name: str):
    """jsonschema-rs over the same schema files: a fast yes/no. Messages always come from
    ``validator(name)`` (python-jsonschema), which is the reference; tests check both agree."""
    import jsonschema_rs

    registry = jsonschema_rs.Registry([(load(n)["$id"], load(n)) for n in SCHEMAS]
                                      + [(f"{n}.schema.json", load(n)) for n in SCHEMAS])
    return jsonschema_rs.validator_for(load(name), registry=registry, base_uri=load(name)["$id"])


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
