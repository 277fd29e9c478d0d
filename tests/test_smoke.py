def test_it_answers_current_user(as_alice, alice):
    response = as_alice.get("/api/v1/current_user")
    assert response.status_code == 200
    assert response.json()["username"] == "alice"
