"""Indicator hierarchies: a tree of nodes with the judgements that compare each node's children.

A :class:`Hierarchy` is a tree of :class:`Node` s (goal → criteria → sub-criteria → … →
indicators, any depth) with one :class:`~oprisk.assess.matrix.PairwiseMatrix` per node that has
two or more children. :func:`~oprisk.assess.hierarchy_weights.weigh_hierarchy` weighs it and
:func:`~oprisk.assess.scores.score_units` rolls units' scores up it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from oprisk.assess.errors import HierarchyError, MatrixShapeError
from oprisk.assess.matrix import PairwiseMatrix
from oprisk.assess.scale import Judgement, Scale
from oprisk.errors import invalid


@dataclass(frozen=True)
class Node:
    """One node of an indicator hierarchy; a node without children is an indicator."""

    id: str
    name: str = ""
    name_zh: str = ""
    children: tuple[Node, ...] = ()

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def label(self, lang: Literal["en", "zh", "id"] = "en") -> str:
        if lang == "zh" and self.name_zh:
            return self.name_zh
        if lang == "en" and self.name:
            return self.name
        return self.id

    def walk(
        self, depth: int = 0, parent: Node | None = None
    ) -> Iterator[tuple[Node, int, Node | None]]:
        """Depth-first, parents before children: ``(node, depth, parent)``."""
        yield self, depth, parent
        for child in self.children:
            yield from child.walk(depth + 1, self)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "name": self.name, "name_zh": self.name_zh}
        if self.children:
            out["children"] = [c.to_dict() for c in self.children]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Node:
        return cls(
            str(data["id"]),
            str(data.get("name", "")),
            str(data.get("name_zh", "")),
            tuple(cls.from_dict(c) for c in data.get("children", ())),
        )


def build_tree(root: Node, records: Iterable[Mapping[str, Any]]) -> Node:
    """A tree from flat records ``{id, parent?, name?, name_zh?}`` in file order.

    A record without ``parent`` hangs under ``root``; children keep the order of the records.
    """
    rows = list(records)
    ids = [root.id] + [str(r.get("id", "")) for r in rows]
    for r, node_id in zip(rows, ids[1:], strict=True):
        if not node_id:
            raise HierarchyError(invalid("node.id", r.get("id"), "must be a non-empty string"))
    dupes = sorted({x for x in ids if ids.count(x) > 1})
    if dupes:
        raise HierarchyError(invalid("node ids", dupes, "must be unique in the hierarchy"))
    children: dict[str, list[str]] = {i: [] for i in ids}
    for r in rows:
        parent = str(r.get("parent") or root.id)
        if parent not in children:
            raise HierarchyError(
                invalid(f"parent of {r['id']!r}", parent, f"must be a node id, one of {ids}")
            )
        children[parent].append(str(r["id"]))
    info = {str(r["id"]): r for r in rows}

    def make(node_id: str, seen: frozenset[str]) -> Node:
        kids = tuple(make(c, seen | {c}) for c in children[node_id] if c not in seen)
        if node_id == root.id:
            return Node(root.id, root.name, root.name_zh, kids)
        r = info[node_id]
        return Node(node_id, str(r.get("name", "")), str(r.get("name_zh", "")), kids)

    tree = make(root.id, frozenset({root.id}))
    reached = {n.id for n, _, _ in tree.walk()}
    if len(reached) != len(ids):
        raise HierarchyError(
            invalid(
                "nodes", sorted(set(ids) - reached), "are not reachable from the goal (a cycle?)"
            )
        )
    return tree


class Hierarchy:
    """An indicator tree with the judgements for every node that has two or more children.

    Parameters
    ----------
    root
        The goal node.
    judgements
        ``{node id: PairwiseMatrix}`` or ``{node id: {(row, col): value}}`` over that node's
        children (upper triangle suffices). Nodes with one child need none.
    scale, rtol
        Passed to :meth:`PairwiseMatrix.from_judgements` for judgements given as mappings.
    """

    __slots__ = ("_by_id", "_matrices", "_parent", "_root")

    def __init__(
        self,
        root: Node,
        judgements: Mapping[str, PairwiseMatrix | Mapping[tuple[str, str], Judgement]],
        *,
        scale: Scale = "saaty",
        rtol: float = 0.05,
    ) -> None:
        by_id: dict[str, Node] = {}
        parent: dict[str, str | None] = {}
        for node, _, up in root.walk():
            if node.id in by_id:
                raise HierarchyError(invalid("node id", node.id, "must be unique in the hierarchy"))
            by_id[node.id], parent[node.id] = node, None if up is None else up.id
        unknown = sorted(set(judgements) - set(by_id))
        if unknown:
            raise HierarchyError(
                invalid("judgements", unknown, f"must name nodes of the hierarchy {sorted(by_id)}")
            )
        matrices: dict[str, PairwiseMatrix] = {}
        for node_id, node in by_id.items():
            kids = [c.id for c in node.children]
            if not kids:
                if node_id in judgements:
                    raise HierarchyError(
                        invalid("judgements", node_id, "is an indicator (no children to compare)")
                    )
                continue
            given = judgements.get(node_id)
            if given is None:
                if len(kids) > 1:
                    raise HierarchyError(
                        invalid(
                            f"judgements[{node_id!r}]", None, f"must compare its children {kids}"
                        )
                    )
                matrices[node_id] = PairwiseMatrix.identity(kids, name=node_id)
                continue
            if isinstance(given, PairwiseMatrix):
                if sorted(given.labels) != sorted(kids):
                    raise MatrixShapeError(
                        invalid(
                            f"judgements[{node_id!r}].labels",
                            list(given.labels),
                            f"must be the children {kids}",
                        )
                    )
                matrices[node_id] = given.reorder(kids).renamed(node_id)
            else:
                matrices[node_id] = PairwiseMatrix.from_judgements(
                    kids, given, scale=scale, rtol=rtol, name=node_id
                )
        self._root, self._by_id, self._parent = root, by_id, parent
        self._matrices: Mapping[str, PairwiseMatrix] = MappingProxyType(matrices)

    @property
    def root(self) -> Node:
        return self._root

    @property
    def matrices(self) -> Mapping[str, PairwiseMatrix]:
        """The judgement matrix of every non-leaf node, children in tree order."""
        return self._matrices

    @property
    def leaves(self) -> tuple[Node, ...]:
        """The indicators, in tree order."""
        return tuple(n for n, _, _ in self._root.walk() if n.is_leaf)

    def nodes(self) -> Iterator[tuple[Node, int, Node | None]]:
        return self._root.walk()

    def node(self, node_id: str) -> Node:
        try:
            return self._by_id[node_id]
        except KeyError:
            raise HierarchyError(
                invalid("node", node_id, f"must be one of {sorted(self._by_id)}")
            ) from None

    def parent(self, node_id: str) -> str | None:
        return self._parent[self.node(node_id).id]

    def path(self, node_id: str) -> tuple[str, ...]:
        """Node ids from the goal down to ``node_id``."""
        out = [self.node(node_id).id]
        while (up := self._parent[out[-1]]) is not None:
            out.append(up)
        return tuple(reversed(out))

    def to_dict(self) -> dict[str, Any]:
        return {
            "tree": self._root.to_dict(),
            "judgements": {
                k: [[r, c, v] for (r, c), v in m.judgements().items()]
                for k, m in self._matrices.items()
                if m.n > 1
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, scale: Scale = "saaty") -> Hierarchy:
        judgements = {
            k: {(str(r), str(c)): v for r, c, v in rows}
            for k, rows in data.get("judgements", {}).items()
        }
        return cls(Node.from_dict(data["tree"]), judgements, scale=scale)

    def __repr__(self) -> str:
        return f"Hierarchy(root={self._root.id!r}, nodes={len(self._by_id)}, indicators={len(self.leaves)})"
