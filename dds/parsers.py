"""Form bodies with Rack-style bracket keys, parsed into the same nested data a JSON body would give.

`hash[value]=v` → `{"hash": {"value": "v"}}`, `a[]=1&a[]=2` → `{"a": ["1", "2"]}`,
`a[][b]=v` → `{"a": [{"b": "v"}]}` (CONTRACT §1.2).
"""

import re

from rest_framework.parsers import FormParser

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


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
    data = {}
    for key, value in pairs:
        _assign(data, _segments(key), value)
    return data


class NestedFormParser(FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        form = super().parse(stream, media_type, parser_context)
        return nest((key, value) for key, values in form.lists() for value in values)
