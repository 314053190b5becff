"""Charts drawn on the server as SVG geometry; templates add the (escaped) labels."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

from worker.profile.model import FeelingPoint, Profile

ARC_W, ARC_H, PAD = 640, 200, 28
GRAPH_W = GRAPH_H = 420
MAX_PEOPLE = 24


@dataclass(frozen=True)
class ArcPoint:
    """One feeling on the arc: where it sits and what it was."""

    x: float
    y: float
    label: str
    valence: float
    at: str


@dataclass(frozen=True)
class ArcChart:
    """Valence over time as a polyline, with the zero line."""

    width: int
    height: int
    zero_y: float
    line: str
    points: tuple[ArcPoint, ...]


def arc_chart(arc: Sequence[FeelingPoint]) -> ArcChart | None:
    """The emotional arc (valence from -1 to 1, in the order felt); None with no feelings."""
    if not arc:
        return None
    n = len(arc)
    span_x, span_y = ARC_W - 2 * PAD, ARC_H - 2 * PAD

    def y_of(v: float) -> float:
        return round(PAD + (1 - (max(-1.0, min(1.0, v)) + 1) / 2) * span_y, 1)

    points = tuple(
        ArcPoint(x=round(PAD + (i / (n - 1) if n > 1 else 0.5) * span_x, 1), y=y_of(p.valence),
                 label=p.label, valence=p.valence, at=p.at.strftime("%Y-%m-%d %H:%M"))
        for i, p in enumerate(arc)
    )
    line = " ".join(f"{p.x},{p.y}" for p in points)
    return ArcChart(width=ARC_W, height=ARC_H, zero_y=y_of(0.0), line=line, points=points)


@dataclass(frozen=True)
class Node:
    """A person (or the client, at the centre) in the graph."""

    x: float
    y: float
    r: float
    label: str
    detail: str
    centre: bool = False


@dataclass(frozen=True)
class Edge:
    """A tie: the client to each person, and people who shared a moment."""

    x1: float
    y1: float
    x2: float
    y2: float
    width: float


@dataclass(frozen=True)
class Graph:
    """The people graph."""

    width: int
    height: int
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]


def people_graph(profile: Profile) -> Graph | None:
    """The client at the centre, their people in a ring; shared events join people."""
    people = sorted(profile.people, key=lambda p: -p.mentions)[:MAX_PEOPLE]
    if not people:
        return None
    cx, cy, ring = GRAPH_W / 2, GRAPH_H / 2, GRAPH_W / 2 - 60
    centre = Node(x=cx, y=cy, r=18, label="client", detail="", centre=True)
    nodes: list[Node] = []
    for i, person in enumerate(people):
        angle = 2 * math.pi * i / len(people) - math.pi / 2
        nodes.append(Node(x=round(cx + ring * math.cos(angle), 1),
                          y=round(cy + ring * math.sin(angle), 1),
                          r=round(8 + min(person.mentions, 10), 1), label=person.name,
                          detail=person.relation or ""))
    edges = [Edge(cx, cy, n.x, n.y, 1.0) for n in nodes]
    index = {_norm(n): i for i, p in enumerate(people) for n in (p.name, *p.aliases)}
    shared: dict[tuple[int, int], int] = {}
    for event in profile.events:
        found = sorted({index[k] for k in map(_norm, (*event.participants, event.agent or "",
                                                     event.patient or "")) if k in index})
        for pair in combinations(found, 2):
            shared[pair] = shared.get(pair, 0) + 1
    for (a, b), count in shared.items():
        edges.append(Edge(nodes[a].x, nodes[a].y, nodes[b].x, nodes[b].y, 1.0 + min(count, 4)))
    return Graph(width=GRAPH_W, height=GRAPH_H, nodes=(centre, *nodes), edges=tuple(edges))


def _norm(name: str) -> str:
    return " ".join(name.lower().split())
