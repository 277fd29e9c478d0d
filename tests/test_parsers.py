import pytest

from dds.parsers import nest


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
