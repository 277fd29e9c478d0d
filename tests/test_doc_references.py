"""Every reference to the API reference resolves: each `docs/api/<page>.md[#anchor]` named in a tracked source file,
and each relative link of the Markdown under docs/ and of README.md, names a page that exists and a heading it has;
and no citation of a document outside the repository is left."""

import re
import subprocess
from pathlib import Path

import pytest

from .workers import ROOT

SOURCE_SUFFIXES = (".py", ".md", ".html", ".txt", ".toml", ".js")
DOC_REFERENCE = re.compile(r"docs/api/([\w.-]+\.md)(?:#([\w-]+))?")
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")
# Spelled so that this file does not match itself.
CITATION = re.compile(r"[C]ONTRACT|\u00a7|\b[Dd]ecision [0-9]")


def tracked_sources(root=ROOT):
    names = subprocess.run(
        ["git", "ls-files", "-z"], cwd=root, capture_output=True, text=True, check=True, timeout=60
    ).stdout.split("\0")
    return [Path(name) for name in names if name.endswith(SOURCE_SUFFIXES) or name.startswith("bin/")]


def outside_fences(text):
    """The lines of Markdown `text` that are not inside a fenced code block."""
    inside = False
    for line in text.splitlines():
        if FENCE.match(line):
            inside = not inside
        elif not inside:
            yield line


def slug(heading):
    """GitHub's anchor for a heading: its text without markup, lowercased, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "")
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def anchors(markdown):
    """Every heading anchor of `markdown`, a repeated one numbered as GitHub numbers it (`-1`, `-2`, …)."""
    seen = {}
    for line in outside_fences(markdown):
        match = HEADING.match(line)
        if match:
            anchor = slug(match.group(1))
            count = seen.get(anchor, 0)
            seen[anchor] = count + 1
            yield anchor if count == 0 else f"{anchor}-{count}"


def _target_problem(target, anchor, root):
    if not target.is_file():
        return f"no file {target.relative_to(root) if target.is_relative_to(root) else target}"
    if anchor and target.suffix == ".md" and anchor not in set(anchors(target.read_text())):
        return f"no heading #{anchor} in {target.relative_to(root)}"
    return None


def _links_checked(source):
    return source.suffix == ".md" and (source.parts[0] == "docs" or source == Path("README.md"))


def problems(text, source, root=ROOT):
    """What is wrong with the references of `text`, the contents of `source` (a path relative to `root`)."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if CITATION.search(line):
            found.append(f"{source}:{number}: cites a document outside the repository: {line.strip()}")
        for match in DOC_REFERENCE.finditer(line):
            problem = _target_problem(root / "docs" / "api" / match.group(1), match.group(2), root)
            if problem:
                found.append(f"{source}:{number}: {match.group(0)}: {problem}")
    if _links_checked(source):
        for line in outside_fences(text):
            for link in MARKDOWN_LINK.findall(line):
                if re.match(r"[a-z]+:", link):
                    continue
                path, _, anchor = link.partition("#")
                target = (root / source).parent / path if path else root / source
                problem = _target_problem(target.resolve(), anchor, root)
                if problem:
                    found.append(f"{source}: link ({link}): {problem}")
    return list(dict.fromkeys(found))


def test_every_reference_resolves():
    found = [problem for source in tracked_sources() for problem in problems((ROOT / source).read_text(), source)]

    assert found == [], "\n".join(found)


@pytest.mark.parametrize(
    "text, source, reported",
    [
        ("see docs/api/errors.md#envelope", "dds/errors.py", False),
        ("see docs/api/errors.md", "dds/errors.py", False),
        ("see docs/api/{missing}.md#envelope", "dds/errors.py", True),
        ("see docs/api/errors.md#{missing}", "dds/errors.py", True),
        ("[paging](paging.md#headers)", "docs/api/README.md", False),
        ("[paging](paging.md#{missing})", "docs/api/README.md", True),
        ("[gone]({missing}.md)", "docs/api/README.md", True),
        ("[here](#{missing})", "docs/api/README.md", True),
        ("[errors](docs/api/errors.md#catalogue)", "README.md", False),
        ("[errors](docs/api/errors.md#{missing})", "README.md", True),
        ("# As \u00a75.3 says", "dds/permissions.py", True),
        ("# The {c}ONTRACT says", "dds/permissions.py", True),
        ("# decision {four} of the design", "dds/permissions.py", True),
    ],
)
def test_it_reports_a_reference_that_does_not_resolve(text, source, reported):
    """`{missing}` and the like are filled in here, so that this file holds no broken reference itself."""
    text = text.format(missing="no-such-page-or-heading", c="C", four=4)

    assert bool(problems(text, Path(source))) is reported


@pytest.mark.parametrize(
    "heading, anchor",
    [
        ("Envelope", "envelope"),
        ("The Authorization header", "the-authorization-header"),
        ("`GET /projects/{id}/uploads`: bounded pages", "get-projectsiduploads-bounded-pages"),
        ("`PUT /uploads/{id}/complete` — `create_file` → 202", "put-uploadsidcomplete--create_file--202"),
        ("Bodies (every endpoint under `/api/v1/`)", "bodies-every-endpoint-under-apiv1"),
    ],
)
def test_anchors_are_githubs(heading, anchor):
    assert list(anchors(f"# {heading}\n")) == [anchor]


def test_a_repeated_heading_is_numbered():
    assert list(anchors("## Errors\n```\n## not a heading\n```\n## Errors\n")) == ["errors", "errors-1"]
