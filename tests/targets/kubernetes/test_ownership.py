"""faas-netes' field ownership handed to the manager pulumi-kubernetes folds into its own."""

from __future__ import annotations

from components.targets.kubernetes.ownership import handed_over, merge_fields

FAAS_NETES = {
    "manager": "faas-netes",
    "operation": "Update",
    "apiVersion": "apps/v1",
    "time": "2026-12-05T06:00:00Z",
    "fieldsType": "FieldsV1",
    "fieldsV1": {"f:spec": {"f:template": {"f:metadata": {"f:labels": {"f:uid": {}}}}}},
}
PULUMI = {
    "manager": "pulumi-kubernetes-1a2b",
    "operation": "Apply",
    "fieldsV1": {"f:spec": {"f:replicas": {}}},
}
CONTROLLER = {
    "manager": "kube-controller-manager",
    "operation": "Update",
    "subresource": "status",
    "fieldsV1": {},
}


def test_nothing_changes_when_faas_netes_owns_nothing() -> None:
    assert handed_over([PULUMI, CONTROLLER]) is None


def test_faas_netes_entry_becomes_before_first_apply_and_the_others_stay() -> None:
    assert handed_over([PULUMI, FAAS_NETES, CONTROLLER]) == [
        PULUMI,
        CONTROLLER,
        {**FAAS_NETES, "manager": "before-first-apply"},
    ]


def test_an_existing_before_first_apply_entry_takes_the_union() -> None:
    before = {
        "manager": "before-first-apply",
        "operation": "Update",
        "fieldsV1": {"f:spec": {"f:paused": {}}},
    }
    result = handed_over([before, FAAS_NETES])
    assert result == [
        {
            **before,
            "fieldsV1": {
                "f:spec": {"f:paused": {}, "f:template": {"f:metadata": {"f:labels": {"f:uid": {}}}}}
            },
        }
    ]


def test_faas_netes_writing_through_the_scale_subresource_is_not_handed_over() -> None:
    scaled = {**FAAS_NETES, "subresource": "scale"}
    assert handed_over([scaled]) is None


def test_merge_fields_is_a_union_of_nested_trees() -> None:
    assert merge_fields({"f:a": {"f:b": {}}, "f:c": {}}, {"f:a": {"f:d": {}}}) == {
        "f:a": {"f:b": {}, "f:d": {}},
        "f:c": {},
    }
