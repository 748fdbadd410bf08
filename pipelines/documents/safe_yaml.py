"""YAML for front matter, with a budget: safe types only (``yaml.SafeLoader``), and a document whose aliases
would expand it past ``MAX_NODES`` nodes, or that refers to itself, is refused before anything is built.

A "billion laughs" header (nine anchors, each a list of nine aliases of the one before: 716 bytes) is
parsed by PyYAML into shared objects, harmless until anything walks them: then it is 9**9 values. Front
matter needs no aliases at all; a few small ones are allowed.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

MAX_NODES = 10_000  # nodes of the document with every alias expanded; a front matter header has ~30
MAX_ALIASES = 100


class YAMLBudgetError(yaml.YAMLError):
    """A YAML document over its budget (or recursive)."""


class _BoundedLoader(yaml.SafeLoader):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise YAMLBudgetError(f"more than {MAX_ALIASES} aliases")
        return super().compose_node(parent, index)


def expanded_size(node: Node, *, limit: int = MAX_NODES) -> int:
    """Nodes in ``node`` with every alias expanded (a shared node counts each time it is used); raises
    YAMLBudgetError past ``limit`` or for a node that contains itself."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(current: Node) -> int:
        key = id(current)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise YAMLBudgetError("a recursive alias")
        active.add(key)
        total = 1
        if isinstance(current, SequenceNode):
            total += sum(size(child) for child in current.value)
        elif isinstance(current, MappingNode):
            total += sum(size(k) + size(v) for k, v in current.value)
        active.discard(key)
        if total > limit:
            raise YAMLBudgetError(f"aliases expand it past {limit} values")
        sizes[key] = total
        return total

    return size(node)


def load_yaml(text: str) -> Any:
    """``yaml.safe_load`` within the budget; YAMLBudgetError (a ``yaml.YAMLError``) when over it."""
    loader = _BoundedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        expanded_size(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()
