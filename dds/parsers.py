"""The API's body parsers: JSON, and form bodies with Rack-style bracket keys parsed into the same nested data a JSON
body would give. Both refuse data nested deeper than MAX_NESTING levels (400), before building any of it.

`hash[value]=v` → `{"hash": {"value": "v"}}`, `a[]=1&a[]=2` → `{"a": ["1", "2"]}`,
`a[][b]=v` → `{"a": [{"b": "v"}]}` (docs/api/conventions.md#request-encoding).
"""

import re
from itertools import accumulate

from rest_framework.exceptions import ParseError
from rest_framework.parsers import FormParser, JSONParser, get_encoding
from rest_framework.utils import json

from dds import errors

# The deepest body the API needs is 3 levels (`{"parent": {"kind": …}}`); 32 leaves room and stays far from
# Python's recursion limit, which a 2 KB body could otherwise reach.
MAX_NESTING = 32

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
# A string, or an unterminated one to the end of the text: each search then starts past the last, so the scan is
# linear (requiring the closing quote made every later `"` of an unterminated string start a new scan to the end).
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*+(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DEPTH_CHANGE = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_nesting(text):
    """How deeply the arrays and objects of a JSON text nest (brackets inside strings do not count)."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    return max(accumulate(map(_DEPTH_CHANGE.__getitem__, brackets)), default=0)


def _segments(key):
    match = _KEY.match(key)
    if match is None:
        return [key]
    return [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]


def _assign(container, segments, value):
    head, rest = segments[0], segments[1:]
    appending = isinstance(container, list)  # only `[]` segments lead into lists
    if not rest:
        if appending:
            container.append(value)
        else:
            container[head] = value
        return
    child_type = list if rest[0] == "" else dict
    if appending:
        # `a[][b]=v`: start a new element unless the last one can still take this key.
        last = container[-1] if container else None
        if not isinstance(last, child_type) or (child_type is dict and rest[0] in last):
            container.append(child_type())
        _assign(container[-1], rest, value)
        return
    if not isinstance(container.get(head), child_type):
        container[head] = child_type()
    _assign(container[head], rest, value)


def nest(pairs):
    """The nested data of a form's (key, value) pairs; a key of more than MAX_NESTING segments is refused."""
    data = {}
    for key, value in pairs:
        segments = _segments(key)
        if len(segments) > MAX_NESTING:
            raise errors.NestedTooDeep(MAX_NESTING)
        _assign(data, segments, value)
    return data


class NestingLimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = get_encoding(parser_context or {})
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError as error:
            raise ParseError(f"JSON parse error - {error}") from None
        if json_nesting(text) > MAX_NESTING:
            raise errors.NestedTooDeep(MAX_NESTING)
        try:
            return json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except ValueError as error:
            raise ParseError(f"JSON parse error - {error}") from None


class NestedFormParser(FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        form = super().parse(stream, media_type, parser_context)
        return nest((key, value) for key, values in form.lists() for value in values)
