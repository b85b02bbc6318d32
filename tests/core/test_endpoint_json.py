"""The endpoint JSON read into a snapshot's static part: which policy match fields could not be read, and the
target of a command named by the user even when the answer does not name it."""

from __future__ import annotations

import pytest

from tests.core.test_measure import raw
from watchdog.core.endpoint_json import describe_raw, describe_target


@pytest.mark.parametrize("edit, unreadable", [
    (lambda r: None, ()),
    (lambda r: r.update(tags=[]), ()),  # no tags is a readable answer: the list is documented, it may be empty
    (lambda r: r.update(tags="team:nlp"), ("tag",)),
    (lambda r: r.update(tags=["team:nlp", {"key": "x"}]), ("tag",)),
    (lambda r: r.pop("tags"), ("tag",)),  # documented as always present: missing is as unknown as mistyped
    (lambda r: r["model"].update(repository={"id": "org/model"}), ("repository",)),
    (lambda r: r["compute"].pop("instanceType"), ("instance_type",)),
    (lambda r: r.update(name=7), ("name",)),
])
def test_the_match_fields_the_answer_does_not_give_readably_are_named(edit, unreadable):
    answer = raw()
    edit(answer)
    assert describe_raw(answer, "acme-ml").unreadable_match_fields == unreadable


def test_a_command_names_its_target_even_when_the_answer_does_not():
    wrapped = {"endpoint": raw(name="prod-api")}  # one level too deep: nothing reads
    assert describe_raw(wrapped, "acme-ml").name == "?"
    target = describe_target(wrapped, "acme-ml", "prod-api")
    assert target.name == "prod-api" and "name" not in target.unreadable_match_fields
    assert set(target.unreadable_match_fields) == {"repository", "tag", "instance_type"}


@pytest.mark.parametrize("value", [1e30, 10**30, 1_000_001])
def test_an_implausible_replica_count_reads_as_unknown_and_says_so(value):
    answer = raw()
    answer["compute"]["scaling"]["maxReplica"] = value
    snapshot = describe_raw(answer, "acme-ml")
    assert snapshot.max_replicas is None
    assert any(t.startswith("compute.scaling.maxReplica is ") and "up to 1,000,000" in t for t in snapshot.tolerated)
