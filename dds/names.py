"""The characters no name may hold: every control character of Unicode (C0 U+0000–U+001F, DEL U+007F, C1
U+0080–U+009F) and the line and paragraph separators U+2028 and U+2029. Said once, for the checks and the schema."""

import re

from django.core.validators import RegexValidator

# A regex character-class body in `\uXXXX` escapes, which Python's `re` and the schema's ECMA regexes both read.
CONTROL_CHARACTERS = r"\u0000-\u001f\u007f-\u009f\u2028\u2029"

_CONTROL = re.compile(f"[{CONTROL_CHARACTERS}]")

# For a serializer's name field: refused as `is invalid`, and the schema carries the pattern.
no_control_characters = RegexValidator(rf"^[^{CONTROL_CHARACTERS}]*$")


def has_control_character(name):
    return _CONTROL.search(name) is not None
