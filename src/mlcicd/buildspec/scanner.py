"""ruamel.yaml's scanner, reading a tab between the words of a line as YAML 1.2 does.

YAML 1.2 separates the words of a line with spaces *or tabs* (``s-white``); only
indentation must be spaces. ruamel.yaml (like PyYAML) stops a plain scalar at a
tab and then finds no token that can start with one, so a command such as
``- if [ -f a ];\\telse b; fi`` -- valid YAML, shipped in an AWS Solution's
buildspec -- would be rejected as if the tab indented the line. :class:`TabScanner`
consumes such tabs (keeping them in the value, as YAML 1.2 does) and leaves
tabs in indentation to fail as before.

The two methods overridden are ruamel.yaml's own scanner hooks (``scan_plain_spaces``
and ``scan_to_next_token``); ``tests/unit/test_buildspec_document.py`` pins their
behaviour, so an upgrade that changes them fails there with a clear message.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml.scanner import Scanner

# What may end a run of blanks without making it part of a value.
_LINE_END = "\0\r\n\x85\u2028\u2029"


class TabScanner(Scanner):
    """A YAML scanner that accepts tabs between words, not in indentation."""

    def _after_content(self) -> bool:
        """Whether something other than blanks precedes the reader on this line."""
        reader = self.reader
        buffer, pointer = reader.buffer, reader.pointer
        start = max(buffer.rfind("\n", 0, pointer), buffer.rfind("\r", 0, pointer)) + 1
        return bool(buffer[start:pointer].strip(" \t"))

    def scan_plain_spaces(self, indent: Any, start_mark: Any) -> Any:
        """Read the blanks after a word of a plain scalar, tabs included."""
        peek = self.reader.peek
        length = 0
        while peek(length) in " \t":
            length += 1
        blanks = self.reader.prefix(length)
        if "\t" not in blanks:
            return super().scan_plain_spaces(indent, start_mark)
        if peek(length) in _LINE_END or peek(length) == "#":
            # Trailing blanks and blanks before a comment are not part of the value.
            self.reader.forward(length)
            return super().scan_plain_spaces(indent, start_mark) or []
        self.reader.forward(length)
        return [blanks]

    def scan_to_next_token(self) -> Any:
        """Skip blanks (tabs included) after content on a line, then as ruamel does."""
        if not self.flow_level and self._after_content():
            while self.reader.peek() in " \t":
                self.reader.forward()
        return super().scan_to_next_token()
