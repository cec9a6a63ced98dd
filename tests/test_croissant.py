"""corpus/croissant.json: valid for mlcroissant, every config described (nested spans too), RAI
fields from the datasheet, and records read through it equal the parquet rows."""

from __future__ import annotations

import json
import logging

import mlcroissant as mlc
import numpy as np
import pyarrow.parquet as pq
import pytest
from conftest import ROOT

from claimcorpus.configs import configs

NAMES = [c.name for c in configs()]

CORPUS = ROOT / "corpus"
JSONLD = CORPUS / "croissant.json"


@pytest.fixture(scope="module")
def dataset():
    return mlc.Dataset(jsonld=str(JSONLD))  # raises mlcroissant.ValidationError on any error


def _plain(v):
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, list | np.ndarray):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k.rsplit("/", 1)[-1]: _plain(x) for k, x in v.items()}
    return v


def _flatten_structs(row: dict) -> dict:
    """Croissant describes a struct inside a list by its leaves: claims[i].source.type -> source_type."""
    out = {}
    for k, v in row.items():
        if isinstance(v, list) and v and isinstance(v[0], dict):
            v = [{(f"{a}_{b}" if isinstance(x, dict) else a): y for a, x in item.items()
                  for b, y in (x.items() if isinstance(x, dict) else [(None, x)])} for item in v]
        out[k] = v
    return out


def test_validates_with_no_error(caplog):
    with caplog.at_level(logging.ERROR):
        mlc.Dataset(jsonld=str(JSONLD))
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("config", NAMES)
def test_records_equal_parquet_rows(dataset, config):
    rows = [r for p in sorted((CORPUS / "data" / config).glob("*.parquet")) for r in pq.read_table(p).to_pylist()]
    recs = [_plain(dict(r)) for r in dataset.records(record_set=config)]
    assert len(recs) == len(rows) > 0
    assert recs == [_flatten_structs(r) for r in rows]


def test_every_config_and_rai_field():
    data = json.loads(JSONLD.read_text(encoding="utf-8"))
    assert [rs["@id"] for rs in data["recordSet"]] == NAMES
    sentences = next(rs for rs in data["recordSet"] if rs["@id"] == "sentences")
    claims = next(f for f in sentences["field"] if f["@id"] == "sentences/claims")
    assert {f["@id"] for f in claims["subField"]} >= {"sentences/claims/type", "sentences/claims/source_type"}
    card = (CORPUS / "README.md").read_text(encoding="utf-8")
    # filled from the datasheet: the collection paragraph's words, not a placeholder
    assert "manifest records sha256" in data["rai:dataCollection"] and "manifest records" in card
    for key in ("rai:dataAnnotationProtocol", "rai:dataBiases", "rai:dataLimitations", "rai:dataUseCases",
                "rai:personalSensitiveInformation", "rai:dataReleaseMaintenancePlan", "rai:machineAnnotationTools"):
        assert data[key], key
