"""The Label Studio config is generated from schema/ and the committed file is never stale."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from label_studio_sdk.converter import Converter
from label_studio_sdk.label_interface import LabelInterface

from claimcorpus import schema
from claimcorpus.generate import GENERATED
from claimcorpus.labelstudio import config as C

ROOT = Path(__file__).resolve().parents[1]


def test_committed_config_is_fresh() -> None:
    committed = (ROOT / C.PATH).read_text(encoding="utf-8")
    assert committed == C.label_config(), "schema/labelstudio.xml is stale: run `claimcorpus ls config` and commit"
    assert committed.splitlines()[0] == C.HEADER and "generated" in C.HEADER
    assert GENERATED[C.PATH](None) == committed  # `claimcorpus generate --check` covers it too


def test_labels_come_from_the_schema() -> None:
    root = ET.fromstring(C.label_config().split("\n", 1)[1])
    labels = {el.get("name"): [c.get("value") for c in el] for el in root.iter("Labels")}
    assert list(labels) == list(C.span_controls())  # entity first: the CoNLL converter reads the first <Labels>
    assert labels["entity"] == list(schema.labels()["entity_label"])
    assert labels["hedge"] == list(schema.labels()["hedge_type"])
    # Label Studio stores a Choice's alias when it has one, else its value (the name shown)
    choices = {el.get("name"): [c.get("alias") or c.get("value") for c in el if c.tag == "Choice"]
               for el in root.iter("Choices")}
    assert choices["claim_type"] == list(schema.labels()["claim_type"])
    assert choices["source_type"] == list(schema.labels()["source_type"])
    assert choices["checkworthy"] == ["yes", "no"]
    assert C.FLAGS not in choices  # sentence flags are derived from the spans, never asked
    for name in C.region_choices():
        el = next(e for e in root.iter("Choices") if e.get("name") == name)
        assert (el.get("perRegion"), el.get("required"), el.get("whenLabelValue")) == ("true", "true", C.CLAIM)
        assert all(c.get("value") in el.get("requiredMessage") for c in el)  # the dialog names what to choose


def test_the_annotator_sees_what_to_do() -> None:
    """Claim choices right under the sentence, named for people; one colour per hedge type; distinct hints."""
    root = ET.fromstring(C.label_config().split("\n", 1)[1])
    top = list(root)
    text_at = next(i for i, el in enumerate(top) if el.tag == "Text")
    assert top[text_at + 1].tag == "View" and top[text_at + 1].get("visibleWhen") == "region-selected"
    shown = {c.get("value") for el in root.iter("Choices") for c in el}
    assert {"check-worthy", "not check-worthy"} <= shown and "yes" not in shown
    hedge = next(el for el in root.iter("Labels") if el.get("name") == "hedge")
    colors = [lab.get("background") for lab in hedge]
    assert len(set(colors)) == len(colors) == len(schema.labels()["hedge_type"]) and None not in colors
    for el in [*root.iter("Choices"), *root.iter("Labels")]:
        hints = [c.get("hint") for c in el]
        assert len(set(hints)) == len(hints), f"{el.get('name')} repeats a hint"
    headers = [h.get("value") for h in root.iter("Header") if not h.get("value").startswith("$")]
    assert max(map(len, headers)) <= 60  # one short line each


def test_label_studio_tools_read_the_config() -> None:
    interface = LabelInterface(C.label_config())
    assert {c.name for c in interface.controls} == {*C.span_controls(), *C.region_choices()}
    assert "CONLL2003" in Converter(C.label_config(), project_dir=None).supported_formats
    assert "CONLL2003" in Converter(C.conll_config(), project_dir=None).supported_formats


def test_cli_config_check(tmp_path: Path) -> None:
    from conftest import run_cli

    assert run_cli("ls", "config", "--check", "--root", ROOT).returncode == 0
    (tmp_path / "schema").mkdir()
    (tmp_path / ".claimcorpus").write_text('{"claimcorpus_repository": 1}\n', encoding="utf-8")  # a repository
    res = run_cli("ls", "config", "--check", "--root", tmp_path)
    assert res.returncode == 1 and "claimcorpus ls config" in res.stderr
    assert run_cli("ls", "config", "--root", tmp_path).returncode == 0
    assert (tmp_path / C.PATH).read_text(encoding="utf-8") == C.label_config()
