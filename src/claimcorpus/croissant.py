"""corpus/croissant.json: the release described in Croissant 1.1 (with its Responsible-AI fields), made with mlcroissant.

One FileSet and one RecordSet per config; fields come from the config's HF ``Features``, so the
nested span lists are described too: a list of structs is an array field whose sub-fields read
the parquet column through a JSONPath; a struct inside it, like a claim's ``source``, is described
by its leaves (``source_type``, ``source_start``, ...), as Croissant readers flatten it. ClassLabels are integers; their names are in the field
description. The Responsible-AI fields are taken from the dataset card's datasheet sections.
The Hub's own generated Croissant skips nested columns and ignores an uploaded file
(huggingface/dataset-viewer#2127, mlcommons/croissant#724), hence this one.

    {"@context": {...}, "@type": "sc:Dataset", "name": "claimcorpus", "version": "0.1.0",
     "distribution": [{"@type": "cr:FileSet", "@id": "sentences-files", "includes": "data/sentences/*.parquet", ...}],
     "recordSet": [{"@type": "cr:RecordSet", "@id": "sentences", "field": [...]}], "rai:dataCollection": "...", ...}
"""

from __future__ import annotations

import json
import re

from datasets import ClassLabel, Features, List

from claimcorpus.configs import configs

DTYPES = {"string": "TEXT", "int32": "INT32", "int64": "INT64", "bool": "BOOL"}


def _dtype(feat):
    import mlcroissant as mlc

    return getattr(mlc.DataType, "INT64" if isinstance(feat, ClassLabel) else DTYPES[feat.dtype])


def _describe(feat) -> str | None:
    if isinstance(feat, ClassLabel):
        return "ClassLabel id: " + ", ".join(f"{i} = {n}" for i, n in enumerate(feat.names))
    return None


def _leaf(mlc, fid: str, name: str, fileset: str, column: str, feat, json_path: str | None):
    leaf = feat.feature if isinstance(feat, List) else feat
    source = mlc.Source(file_set=fileset, extract=mlc.Extract(column=column),
                        transforms=[mlc.Transform(json_path=json_path)] if json_path else [])
    return mlc.Field(id=fid, name=name, description=_describe(leaf), data_types=[_dtype(leaf)],
                     repeated=True if isinstance(feat, List) else None, source=source)


def _items(mlc, parent: str, fileset: str, column: str, struct: dict, path: str = "", prefix: str = "") -> list:
    """Sub-fields of a list-of-struct column, one per leaf; a nested struct's leaves are named
    ``<struct>_<leaf>`` (``source_type``), since Croissant readers flatten structs inside arrays."""
    out = []
    for name, feat in struct.items():
        if isinstance(feat, dict):
            out += _items(mlc, parent, fileset, column, feat, f"{path}{name}.", f"{prefix}{name}_")
        else:
            out.append(_leaf(mlc, f"{parent}/{prefix}{name}", f"{prefix}{name}", fileset, column, feat, f"{path}{name}"))
    return out


def _fields(mlc, record_set: str, fileset: str, feats: Features) -> list:
    """mlcroissant Fields of one config: a column each; a list of structs is an array field with sub-fields."""
    out = []
    for name, feat in feats.items():
        fid = f"{record_set}/{name}"
        if isinstance(feat, List) and isinstance(feat.feature, dict):
            out.append(mlc.Field(id=fid, name=name, repeated=True, description=f"list of {name}",
                                 sub_fields=_items(mlc, fid, fileset, name, feat.feature)))
        else:
            out.append(_leaf(mlc, fid, name, fileset, name, feat, None))
    return out


def _datasheet(card: str) -> dict[str, str]:
    """The card's '### ' sections by title, as plain paragraphs."""
    sections = re.split(r"^### (.+)$", card, flags=re.M)
    return {title.strip(): " ".join(body.split("\n## ")[0].split()) for title, body in zip(sections[1::2], sections[2::2])}


def metadata(release: dict, card: str):
    """The mlcroissant ``Metadata`` of a release (release.json contents and the rendered card)."""
    import mlcroissant as mlc

    sheet = _datasheet(card)
    distribution, record_sets = [], []
    for cfg in configs():
        config = cfg.name
        fileset = f"{config}-files"
        distribution.append(mlc.FileSet(id=fileset, name=fileset, encoding_formats=["application/x-parquet"],
                                        includes=[f"data/{config}/*.parquet"]))
        feats: Features = cfg.features()
        record_sets.append(mlc.RecordSet(id=config, name=config, description=cfg.description,
                                         fields=_fields(mlc, config, fileset, feats)))
    return mlc.Metadata(
        name="claimcorpus", version=release["version"],
        description=("English news sentences annotated for named entities, hedge cues and scopes, and claims "
                     "(type, check-worthiness, source)."),
        license=["https://creativecommons.org/licenses/by/4.0/"], in_language=["en"],
        keywords=["claim detection", "check-worthiness", "hedge detection", "named entity recognition", "news"],
        cite_as=f"claimcorpus contributors. claimcorpus, version {release['version']}.",
        creators=[mlc.Organization(name="claimcorpus contributors")],
        distribution=distribution, record_sets=record_sets,
        data_collection=sheet.get("Collection"),
        data_preprocessing_protocol=[sheet["Preprocessing and labelling"]] if "Preprocessing and labelling" in sheet else None,
        data_annotation_protocol=["annotations/GUIDELINES.md (versioned rules), two independent passes adjudicated into gold; "
                                  "see annotations/ADJUDICATION.md"],
        data_annotation_platform=["Label Studio", "the claimcorpus toolkit"],
        machine_annotation_tools=["an AI annotation assistant made both independent passes"],
        annotations_per_item="2 independent passes per sentence, then 1 adjudicated gold layer",
        data_use_cases=[sheet["Uses"]] if "Uses" in sheet else None,
        data_limitations=[sheet["Uses"]] if "Uses" in sheet else None,
        data_biases=["Both passes come from one kind of annotator (an AI assistant), which shares blind spots; "
                     "agreement is an upper bound on human agreement. News text of one period and outlet type."],
        personal_sensitive_information=["Public figures are named in news text; no private personal data was collected."],
        data_release_maintenance_plan=sheet.get("Maintenance"),
        data_social_impact=sheet.get("Motivation"),
    )


def render(release: dict, card: str) -> str:
    """croissant.json text (sorted keys, stable)."""
    return json.dumps(metadata(release, card).to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
