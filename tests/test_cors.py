def test_it_answers_a_preflight_from_any_origin(anonymous):
    response = anonymous.options(
        "/api/v1/projects",
        HTTP_ORIGIN="https://portal.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="PUT",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization,content-type",
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "PUT" in response["Access-Control-Allow-Methods"]
    assert "authorization" in response["Access-Control-Allow-Headers"]


def test_it_exposes_the_paging_headers(as_alice):
    response = as_alice.get("/api/v1/users", HTTP_ORIGIN="https://portal.example.org")
    exposed = {name.strip() for name in response["Access-Control-Expose-Headers"].split(",")}
    assert {"X-Total", "X-Total-Pages", "X-Page", "X-Per-Page", "X-Next-Page", "X-Prev-Page"} <= exposed
