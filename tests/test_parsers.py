import pytest

from dds.errors import NestedTooDeep
from dds.parsers import json_nesting, nest


@pytest.mark.parametrize(
    "pairs, expected",
    [
        ([("hash[value]", "abc"), ("hash[algorithm]", "md5")], {"hash": {"value": "abc", "algorithm": "md5"}}),
        ([("a[]", "1"), ("a[]", "2")], {"a": ["1", "2"]}),
        ([("a[][b]", "1"), ("a[][c]", "2"), ("a[][b]", "3")], {"a": [{"b": "1", "c": "2"}, {"b": "3"}]}),
        ([("upload[id]", "u"), ("label", "x")], {"upload": {"id": "u"}, "label": "x"}),
        ([("a[b][c]", "deep")], {"a": {"b": {"c": "deep"}}}),
        ([("plain", "v"), ("odd]key", "w")], {"plain": "v", "odd]key": "w"}),
    ],
)
def test_it_nests_bracketed_form_keys(pairs, expected):
    assert nest(pairs) == expected


def test_it_parses_a_form_encoded_put_body_like_json(as_alice, alice_agent):
    response = as_alice.put(
        f"/api/v1/software_agents/{alice_agent.id}",
        "name=Renamed&description=from+a+form",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Renamed"
    assert response.json()["description"] == "from a form"


@pytest.mark.parametrize(
    "pairs, expected",
    [
        ([("", "v")], {"": "v"}),
        ([("a[]", "1"), ("a[b]", "2")], {"a": {"b": "2"}}),
        ([("a[b]", "1"), ("a[]", "2")], {"a": ["2"]}),
        ([("a", "1"), ("a[b]", "2")], {"a": {"b": "2"}}),
    ],
)
def test_it_keeps_the_last_shape_when_keys_disagree(pairs, expected):
    assert nest(pairs) == expected


def test_it_answers_400_not_500_for_a_form_with_an_empty_key(as_alice):
    response = as_alice.post("/api/v1/folders", "=x&name=a", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "parent", "message": "is missing"}]


NESTED_TOO_DEEP = {
    "error": 400,
    "code": "not_provided",
    "reason": "request body nested too deeply",
    "suggestion": "nest objects and arrays at most 32 levels deep",
}


@pytest.mark.parametrize(
    "text, depth",
    [
        ("{}", 1),
        ('{"a": [1, {"b": []}]}', 4),
        ('{"a": "[[[[{{{{"}', 1),
        ('{"a": "quote \\" then [[["}', 1),
        ('"just [ a string"', 0),
        ("[" * 950 + "]" * 950, 950),
    ],
)
def test_it_measures_json_nesting_outside_strings(text, depth):
    assert json_nesting(text) == depth


def test_it_answers_400_for_a_small_json_body_nested_950_levels(as_alice, project):
    body = '{"name": ' + "[" * 950 + "]" * 950 + "}"
    assert len(body) < 2000

    response = as_alice.generic("PUT", f"/api/v1/projects/{project.id}", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == NESTED_TOO_DEEP


def test_it_answers_400_for_json_nested_one_level_past_the_limit(as_alice, project):
    body = '{"name": "n", "description": ' + "[" * 32 + "]" * 32 + "}"

    response = as_alice.generic("PUT", f"/api/v1/projects/{project.id}", body, content_type="application/json")

    assert response.json() == NESTED_TOO_DEEP


def test_it_parses_json_nested_exactly_to_the_limit(as_alice, project):
    body = '{"description": "d", "extra": ' + "[" * 31 + "]" * 31 + "}"

    response = as_alice.generic("PUT", f"/api/v1/projects/{project.id}", body, content_type="application/json")

    assert response.status_code == 200
    assert response.json()["description"] == "d"


def test_it_answers_400_for_a_form_key_with_5000_bracket_levels(as_alice, project):
    body = "name=x&description" + "[a]" * 5000 + "=deep"

    response = as_alice.generic(
        "PUT", f"/api/v1/projects/{project.id}", body, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400
    assert response.json() == NESTED_TOO_DEEP
    project.refresh_from_db()
    assert project.name != "x"


def test_it_nests_a_form_key_of_exactly_32_segments():
    data = nest([("a" + "[b]" * 31, "v")])["a"]

    for _ in range(30):
        data = data["b"]
    assert data == {"b": "v"}


def test_it_refuses_a_form_key_of_33_segments():
    with pytest.raises(NestedTooDeep):
        nest([("a" + "[b]" * 32, "v")])
