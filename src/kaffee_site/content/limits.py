"""What a front matter may hold, checked on the composed YAML nodes before anything builds values.

YAML aliases let ten short lines stand for a billion values ("billion laughs"); an anchor can even
contain itself. PyYAML shares the aliased objects, so loading stays small, but every later stage
that walks the values (checks, caches, templates) would pay for the whole expansion, and deep
nesting ends in a RecursionError. So the node graph is walked once, without recursion, and a
document that expands past MAX_VALUES values, nests deeper than MAX_DEPTH, refers to itself,
repeats a key in any mapping or holds a control character is an error at its line. Real front
matter holds a few dozen values, four levels deep.

The walk reads nodes by their shape (`id`, `value`, `start_mark`), so PyYAML stays in load.py.
"""

from __future__ import annotations

import re
from typing import Any

from kaffee_site.errors import ContentError

MAX_VALUES = 20_000  # values after expanding aliases
MAX_DEPTH = 50  # lists and mappings inside each other, the front matter's own mapping included

# C0 controls except tab and newline, DEL and the C1 controls (U+009B is CSI in some terminals)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_NAMES = {0x00: "NUL", 0x07: "BEL", 0x08: "BS", 0x0B: "VT", 0x0C: "FF", 0x1B: "ESC", 0x7F: "DEL",
                  0x9B: "CSI"}
CONTROL_HINT = "remove it: editors hide it, and terminals and other programs may act on it"
DEPTH_HINT = "front matter holds plain keys, lists of names and small mappings like 'speakers'"


def control_message(char: str, what: str) -> str:
    code = ord(char)
    name = _CONTROL_NAMES.get(code)
    return f"{what} contains the control character U+{code:04X}" + (f" ({name})" if name else "")


def check_text(text: str, display: str, first_line: int, what: str) -> None:
    """A control character anywhere in the raw text, at its own line."""
    found = CONTROL.search(text)
    if found:
        line = first_line + text.count("\n", 0, found.start())
        raise ContentError(display, line, control_message(found.group(), what), CONTROL_HINT)


def check_nodes(root: Any, display: str, first_line: int, what: str, text: str) -> None:
    """Raise ContentError for the first node (in document order) that breaks a limit above.

    `text` is the YAML the nodes come from: without an anchor ('&') they form a plain tree, and
    without a backslash no quoted escape can have made a control character."""
    if "&" not in text and _tree_within_limits(root, display, first_line, what, "\\" in text):
        return
    _check_graph(root, display, first_line, what)


def _tree_within_limits(root: Any, display: str, first_line: int, what: str, escapes: bool) -> bool:
    """One pass over a tree without shared nodes (the common case: no bookkeeping per node);
    False when it holds too many values, for _check_graph to find where."""
    count = 0
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        kind = node.id
        if depth > MAX_DEPTH and kind != "scalar":  # levels are lists and mappings
            raise ContentError(display, _line(node, first_line), f"{what} is nested more than {MAX_DEPTH} levels deep",
                               DEPTH_HINT)
        if kind == "mapping":
            _check_node(node, display, first_line, what)
            stack.extend((part, depth + 1) for pair in reversed(node.value) for part in reversed(pair))
        elif kind == "sequence":
            stack.extend((item, depth + 1) for item in reversed(node.value))
        elif escapes:
            _check_node(node, display, first_line, what)
    return count <= MAX_VALUES


def _check_graph(root: Any, display: str, first_line: int, what: str) -> None:
    """Aliases share nodes (and may even loop): sizes and heights per node, walked once each."""
    size: dict[int, int] = {}  # values below a node, aliases expanded, capped at MAX_VALUES + 1
    height: dict[int, int] = {}
    open_nodes: set[int] = set()  # on the path from the root to where the walk is
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        kids = _children(node)
        if finished:
            size[key] = min(MAX_VALUES + 1, 1 + sum(size[id(kid)] for kid in kids))
            height[key] = 0 if node.id == "scalar" else 1 + max((height[id(kid)] for kid in kids), default=0)
            open_nodes.discard(key)
            continue
        if key in size:
            continue
        if key in open_nodes:
            raise ContentError(display, _line(node, first_line), f"{what} has an alias that refers to itself",
                               "an alias (*name) cannot stand inside the anchor (&name) it repeats")
        open_nodes.add(key)
        _check_node(node, display, first_line, what)
        stack.append((node, True))
        stack.extend((kid, False) for kid in reversed(kids) if id(kid) not in size)
    if size[id(root)] > MAX_VALUES:
        node = _descend(root, lambda kid: size[id(kid)] > MAX_VALUES)
        raise ContentError(display, _line(node, first_line), f"{what} expands to more than {MAX_VALUES:,} values",
                           "aliases (*name) repeat what their anchor (&name) holds: write the values out, "
                           "or use fewer aliases")
    if height[id(root)] > MAX_DEPTH:
        node = root
        for _ in range(MAX_DEPTH):
            node = max(_children(node), key=lambda kid: height[id(kid)])
        raise ContentError(display, _line(node, first_line), f"{what} is nested more than {MAX_DEPTH} levels deep",
                           DEPTH_HINT)


def _children(node: Any) -> list[Any]:
    if node.id == "mapping":
        return [part for pair in node.value for part in pair]
    if node.id == "sequence":
        return list(node.value)
    return []


def _check_node(node: Any, display: str, first_line: int, what: str) -> None:
    if node.id == "scalar":
        found = CONTROL.search(node.value)  # escapes like "\e" or "\x9b" are decoded by now
        if found:
            raise ContentError(display, _line(node, first_line), control_message(found.group(), what), CONTROL_HINT)
    elif node.id == "mapping":
        seen: dict[tuple[str, str], Any] = {}
        for key_node, _ in node.value:
            if key_node.id != "scalar":
                continue
            key = (key_node.tag, key_node.value)  # 1 and "1" are two keys
            first = seen.setdefault(key, key_node)
            if first is not key_node:
                raise ContentError(display, _line(key_node, first_line), f"the key '{key_node.value}' appears twice",
                                   f"it was already set on line {_line(first, first_line)}; keep one of them")


def _descend(node: Any, too_big) -> Any:
    """From the root down to the innermost node still past the limit: where the expansion is."""
    while True:
        bigger = next((kid for kid in _children(node) if too_big(kid)), None)
        if bigger is None:
            return node
        node = bigger


def _line(node: Any, first_line: int) -> int:
    return first_line + node.start_mark.line
