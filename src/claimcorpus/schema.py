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
LABEL_SETS = ("entity_label", "hedge_type", "claim_type", "source_type")


def schema_dir() -> Path:
    """schema/ of the checkout; an installed wheel carries a copy in the package."""
    packaged = Path(__file__).resolve().parent / "schema"
    return SCHEMA_DIR if SCHEMA_DIR.is_dir() else packaged


@functools.cache
def load(name: str) -> dict:
    return json.loads((schema_dir() / f"{name}.schema.json").read_text(encoding="utf-8"))


@functools.cache
def _registry() -> Registry:
    resources = []
    for name in SCHEMAS:
        doc = load(name)
        res = Resource.from_contents(doc)
        resources += [(doc["$id"], res), (f"{name}.schema.json", res)]
    return Registry().with_resources(resources)


@functools.cache
def validator(name: str) -> Draft202012Validator:
    schema = load(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, registry=_registry())


@functools.cache
def fast_validator(name: str):
    """jsonschema-rs over the same schema files: a fast yes/no. Messages always come from
    ``validator(name)`` (python-jsonschema), which is the reference; tests check both agree."""
    import jsonschema_rs

    registry = jsonschema_rs.Registry([(load(n)["$id"], load(n)) for n in SCHEMAS]
                                      + [(f"{n}.schema.json", load(n)) for n in SCHEMAS])
    return jsonschema_rs.validator_for(load(name), registry=registry, base_uri=load(name)["$id"])


@functools.cache
def labels() -> dict[str, tuple[str, ...]]:
    """Every label set, by its $defs name in sentence.schema.json."""
    defs = load("sentence")["$defs"]
    return {name: tuple(defs[name]["enum"]) for name in LABEL_SETS}


@functools.cache
def label_descriptions() -> dict[str, dict[str, str]]:
    defs = load("sentence")["$defs"]
    return {name: dict(defs[name]["x-descriptions"]) for name in LABEL_SETS}
