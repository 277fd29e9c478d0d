"""What the signed storage endpoint cannot read is refused in the envelope, never a 500 (issue 32, item 7): an expiry
or a chunk number of other digits than ASCII (`²` passes str.isdigit(), int() refuses it), and Range positions longer
than Python's 4,300-digit integer string limit."""

import pytest

from .test_transfer import DATA, EXPIRED, chunk_url, download_url, put, refused, resign, verified  # noqa: F401

HUGE = "9" * 4301


@pytest.mark.parametrize("expires", ["²", "١٢٣٤٥٦٧٨٩٠", HUGE])
def test_it_refuses_an_expiry_it_cannot_read_on_a_download_url(anonymous, verified, expires):  # noqa: F811
    url = resign(download_url(verified["id"], "notes.txt"), verb="GET", expires=expires)

    assert refused(anonymous.get(url), 403) == EXPIRED


@pytest.mark.parametrize("expires", ["²", HUGE])
def test_it_refuses_an_expiry_it_cannot_read_on_a_chunk_url(as_alice, anonymous, create_upload, expires):
    upload = create_upload(size=len(DATA))
    url = resign(chunk_url(as_alice, upload, 1, DATA[:100]), expires=expires)

    assert refused(put(anonymous, url, DATA[:100]), 403) == EXPIRED


@pytest.mark.parametrize("number", ["²", "١", HUGE])
def test_it_answers_404_for_a_chunk_number_it_cannot_read(as_alice, anonymous, create_upload, number):
    upload = create_upload(size=len(DATA))
    url = chunk_url(as_alice, upload, 1, DATA[:100])
    path = url.split("?")[0].rsplit("/", 1)[0] + f"/{number}"

    body = refused(put(anonymous, resign(url, path=path), DATA[:100]), 404)

    assert (body["code"], body["reason"]) == ("not_provided", "Chunk Not Found")


@pytest.mark.parametrize(
    ("range_header", "status", "content"),
    [
        (f"bytes={HUGE}-", 416, None),
        (f"bytes=0{HUGE}-", 416, None),
        (f"bytes=0-{HUGE}", 206, DATA),
        (f"bytes=10-{HUGE}", 206, DATA[10:]),
        (f"bytes=-{HUGE}", 206, DATA),
        (f"bytes={'0' * 5000}5-9", 206, DATA[5:10]),
        # Digits of another script: a range it does not take is ignored (RFC 9110 section 14.2).
        ("bytes=٣-", 200, DATA),
    ],
)
def test_it_reads_range_positions_of_any_length(anonymous, verified, range_header, status, content):  # noqa: F811
    response = anonymous.get(download_url(verified["id"], "notes.txt"), HTTP_RANGE=range_header)

    assert response.status_code == status
    if content is None:
        assert response.json()["reason"] == "requested range not satisfiable"
        assert response["Content-Range"] == f"bytes */{len(DATA)}"
    else:
        assert b"".join(response.streaming_content) == content
