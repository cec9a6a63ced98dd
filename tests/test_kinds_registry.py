"""kinds.register refuses a kind the schema does not declare, listing every problem at once, and changes nothing.

What schema/sentence.schema.json declares (read off the file): properties id, doc_id, index, text, start, end,
entities, hedges, claims, hedged, checkworthy; $defs enums entity_label, hedge_type, claim_type, source_type;
$defs span objects entity (label -> #/$defs/entity_label), hedge (type -> hedge_type), claim (type -> claim_type).
checks.CHECKS has E312 "entity-overlap" and no E999. (test_extra_kind.py registers a kind that works.)
"""

from __future__ import annotations

import pytest

from claimcorpus.validation.codes import CHECKS, Check
from claimcorpus.errors import CorpusError
from claimcorpus.kinds import KINDS, SpanKind, register


def refused(kind: SpanKind) -> CorpusError:
    before, checks = dict(KINDS), dict(CHECKS)
    with pytest.raises(CorpusError) as err:
        register(kind)
    assert KINDS == before and CHECKS == checks
    assert err.value.where == "schema/sentence.schema.json"
    return err.value


def test_every_problem_of_an_undeclared_kind_is_listed() -> None:
    kind = SpanKind(field="stances", label="label", label_set="stance_label", span_def="stance", unit="stance",
                    description="", codes=("E999",), new_checks=(Check("E312", "stance-overlap", 3, "", ""),))
    assert refused(kind).problem == (
        "span kind 'stances': no property 'stances'; E312 is already 'entity-overlap'; "
        "check E999 is not in validation.codes.CHECKS; no $defs enum 'stance_label'; "
        "$defs.stance.properties.label does not refer to #/$defs/stance_label")


def test_a_label_that_refers_to_another_label_set_is_refused() -> None:
    # the hedge object's "type" refers to hedge_type, not claim_type; everything else is declared
    kind = SpanKind(field="hedges", label="type", label_set="claim_type", span_def="hedge", unit="hedge cue",
                    description="")
    assert refused(kind).problem == ("span kind 'hedges': "
                                     "$defs.hedge.properties.type does not refer to #/$defs/claim_type")


def test_a_new_check_equal_to_the_registered_one_is_no_conflict() -> None:
    # E312 given again exactly as checks.CHECKS has it: only the missing property is a problem
    kind = SpanKind(field="stances", label="label", label_set="entity_label", span_def="entity", unit="stance",
                    description="", new_checks=(CHECKS["E312"],))
    assert refused(kind).problem == "span kind 'stances': no property 'stances'"
