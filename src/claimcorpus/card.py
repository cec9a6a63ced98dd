"""The dataset card (corpus/README.md): Hub YAML generated from schema/, datasheet prose, statistics.

Every number in the card is computed by the build from the release's own rows.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from claimcorpus import markdown
from claimcorpus.configs import configs as release_configs
from claimcorpus.kinds import flags, kinds
from claimcorpus.layout import GOLD, Repo

CARD_PROSE = Path(__file__).with_name("card_prose.md")


def _yaml(splits: dict, release: dict) -> str:
    splits = [s for s, ids in splits.items() if ids]
    configs, infos = [], []
    for config in release_configs():
        name = config.name
        cfg = {"config_name": name,
               "data_files": [{"split": s, "path": f"data/{name}/{s}-*.parquet"} for s in splits]}
        if config.default:
            cfg["default"] = True
        configs.append(cfg)
        infos.append({"config_name": name, "features": config.features()._to_yaml_list(),
                      "splits": [{"name": s, "num_bytes": release["num_bytes"][name][s],
                                  "num_examples": release["counts"][name][s]} for s in splits],
                      "dataset_size": sum(release["num_bytes"][name].values())})
    n = sum(release["counts"]["sentences"].values())
    size = "n<1K" if n < 1000 else "1K<n<10K" if n < 10_000 else "10K<n<100K" if n < 100_000 else "100K<n<1M" \
        if n < 1_000_000 else "1M<n<10M"
    meta = {
        "pretty_name": "claimcorpus",
        "language": ["en"],
        "license": "other",
        "license_name": "annotations-cc-by-4.0-texts-unknown",
        "license_details": "Annotations: CC BY 4.0. Source texts: licence unknown, see 'Distribution'.",
        # the passes were made by an AI annotation assistant (see Agreement); gold adjudicates them
        "annotations_creators": ["machine-generated"],
        "language_creators": ["found"],
        "multilinguality": ["monolingual"],
        "size_categories": [size],
        "source_datasets": ["original"],
        "task_categories": ["token-classification", "text-classification"],
        "task_ids": ["named-entity-recognition", "fact-checking"],
        "tags": ["claim-detection", "check-worthiness", "hedge-detection", "uncertainty", "news"],
        "configs": configs,
        "dataset_info": infos,
    }
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=120) + "---\n"


def statistics(stats, release: dict) -> str:
    """Size and label tables from ``stats`` (build.Stats: counts over the gold records as the build streams them)."""
    n = stats.n or 1
    parts = ["### Size\n", markdown.table(["config", *[s for s in release["counts"]["sentences"]]],
                                  [[c, *v.values()] for c, v in release["counts"].items()])]
    for kind in kinds():
        counts = stats.labels[kind.field]
        parts += [f"\n### {kind.field.capitalize()} by {kind.label}\n",
                  markdown.table([kind.label, "count"], [[lab, counts.get(lab, 0)] for lab in kind.labels()])]
    rows = [["sentences", stats.n]]
    for kind, flag in flags():
        rows.append([f"{flag.shown()} sentences", f"{stats.flagged[flag.name]} ({stats.flagged[flag.name] / n:.0%})"])
        if flag.when:
            rows.append([f"{flag.shown()} {kind.many()}", stats.flag_spans[flag.name]])
    rows += [[f"{k.many()} per sentence", f"{stats.spans[k.field] / n:.2f}"] for k in kinds() if k.per_sentence]
    parts += ["\n### Sentences\n", markdown.table(["measure", "value"], rows)]
    return "".join(parts)


def agreement_section(repo: Repo) -> str:
    layers = [layer for layer in repo.layers() if layer != GOLD]
    annot = [layer for layer in layers if layer.startswith("pass-")]
    if len(annot) < 2:
        return "No two independent passes are present, so no agreement is reported.\n"
    from claimcorpus.agreement import agreement, agreement_markdown

    from claimcorpus.reliability import reliability, reliability_markdown

    a, b = annot[:2]
    every = [*annot, *([GOLD] if GOLD in repo.layers() else [])]
    return (f"Agreement between the independent passes `{a}` and `{b}` (computed by "
            f"`claimcorpus agreement {a} {b}` from the files in annotations/):\n\n"
            + agreement_markdown(agreement(repo, a, b))
            + f"\nAgreement among every pass and the gold layer (`claimcorpus agreement {' '.join(every)}`):\n\n"
            + reliability_markdown(reliability(repo, every)))


TITLE = "claimcorpus: an English news corpus annotated for named entities, hedging and claims"
AUTHOR = "claimcorpus contributors"


def citation_cff(version: str) -> str:
    """CITATION.cff (Citation File Format 1.2.0) of the release: the keys CFF requires and the version."""
    cff = {"cff-version": "1.2.0", "message": "If you use this dataset, please cite it as below.",
           "type": "dataset", "title": TITLE, "version": version, "authors": [{"name": AUTHOR}],
           "license": "CC-BY-4.0", "keywords": ["claim detection", "check-worthiness", "hedge detection",
                                                "named entity recognition", "news"]}
    return ("# generated by `claimcorpus build`; do not edit\n"
            + yaml.safe_dump(cff, sort_keys=False, allow_unicode=True, width=120))


def bibtex(version: str) -> str:
    return (f"@misc{{claimcorpus_{version.replace('.', '_')},\n  title = {{{TITLE}}},\n"
            f"  author = {{{AUTHOR}}},\n  note = {{Version {version}, annotations CC BY 4.0}},\n"
            f"  howpublished = {{Hugging Face dataset, revision v{version}}}\n}}")


def picture_section(data: dict) -> str:
    from claimcorpus import picture

    rec = data["picture"] if "picture" in data else picture.choose([r for d in sorted(data["gold"]) for r in data["gold"][d]])
    if rec is None:
        return "No gold sentence has an entity, a hedge cue and a claim, so none is drawn.\n"
    return (f"Gold sentence `{rec['id']}` drawn with spaCy's displaCy (made by the build; "
            f"[interactive HTML]({picture.HTML})): ENT entity label, CUE hedge cue, SCOPE its scope, "
            f"CLAIM claim type, `*` check-worthy.\n\n![An annotated sentence]({picture.PNG})\n")


def baselines_section(repo: Repo, data: dict) -> str:
    """docs/baselines.md (made by `claimcorpus generate`, kept current by `generate --check`) without its
    header: computing the bootstrap here would make every build, even of a million sentences, pay for it."""
    path = repo.root / "docs" / "baselines.md"
    if not path.is_file():
        return "No baselines table yet: run `claimcorpus generate` (it writes docs/baselines.md).\n"
    return path.read_text(encoding="utf-8").split("# Baselines\n\n", 1)[1]


def render(repo: Repo, splits: dict, stats, release: dict, data: dict) -> str:
    """The card; ``stats`` are build.Stats, ``data`` {"gold": doc_id -> records (read on access), "splits"} and
    "picture", the sentence drawn (picture.choose over the gold, unless given)."""
    prose = CARD_PROSE.read_text(encoding="utf-8")
    examples = "\n".join(f'{c.name} = load_dataset("corpus", "{c.name}")  # {c.description}' for c in release_configs())
    return (_yaml(splits, release)
            + prose.format(version=release["version"], statistics=statistics(stats, release),
                           agreement=agreement_section(repo), examples=examples,
                           picture=picture_section(data), baselines=baselines_section(repo, data),
                           segmenter=release["segmenter"], bibtex=bibtex(release["version"]), tokenizer=release["tokenizer"],
                           labels="; ".join(f"{k.labels_title()} {', '.join(k.labels())}" for k in kinds())))
