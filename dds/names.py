"""What a name may hold, said once for the checks and the schema (docs/api/limits-and-retention.md#names).

Every name (a project's, a software agent's, a folder's, a file's, an upload's) is kept exactly as sent, at most
NAME_MAX_LENGTH characters, none of them a control character of Unicode (C0 U+0000–U+001F, DEL U+007F, C1
U+0080–U+009F) or the line and paragraph separators U+2028 and U+2029, and holds at least one character that is
neither a dot nor a space: `ddsclient download` joins names to local paths, where `.` and `..` are steps (and Windows
drops trailing dots and spaces, making `.. ` a `..`). A folder's, a file's or an upload's name, one step of such a
path, also holds no `/` or `\\`.
"""

import re

from dds import errors

NAME_MAX_LENGTH = 255

# Regex character-class bodies in `\uXXXX` escapes, which Python's `re` and the schema's ECMA regexes both read.
CONTROL_CHARACTERS = r"\u0000-\u001f\u007f-\u009f\u2028\u2029"
SEPARATORS = r"/\\"
SPACES = r"\u0020\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"


def _schema(refused):
    return {
        "type": "string",
        "minLength": 1,
        "maxLength": NAME_MAX_LENGTH,
        "pattern": f"^[^{refused}]*[^{refused}.{SPACES}][^{refused}]*$",
    }


NAME_SCHEMA = _schema(CONTROL_CHARACTERS)
PATH_NAME_SCHEMA = _schema(SEPARATORS + CONTROL_CHARACTERS)

# Each check is one character class searched once: linear in the name, whatever its length.
_REFUSED = re.compile(f"[{CONTROL_CHARACTERS}]")
_REFUSED_IN_PATH = re.compile(f"[{SEPARATORS}{CONTROL_CHARACTERS}]")
_NOT_DOT_OR_SPACE = re.compile(f"[^.{SPACES}]")

INVALID = "is invalid"
PATH_INVALID = "is invalid (not only dots and spaces; no '/', '\\' or control characters)"


def is_valid_name(name, *, path):
    """Whether `name` holds a character other than dots and spaces and none it may not hold (`path`: a folder's,
    a file's or an upload's name)."""
    refused = _REFUSED_IN_PATH if path else _REFUSED
    return refused.search(name) is None and _NOT_DOT_OR_SPACE.search(name) is not None


def path_name_check(name):
    """A folder's, a file's or an upload's name, checked where the service takes it (after the lookups a request
    names, docs/api/permissions.md#evaluation-order); 400 validation failed otherwise."""
    if not name or name.isspace():
        raise errors.ValidationFailed.field("name", "can't be blank")
    if len(name) > NAME_MAX_LENGTH:
        raise errors.ValidationFailed.field("name", errors.too_long(NAME_MAX_LENGTH))
    if not is_valid_name(name, path=True):
        raise errors.ValidationFailed.field("name", PATH_INVALID)
