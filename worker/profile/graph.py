"""A user's knowledge graph: people, places, organisations, events and facts
as nodes with typed edges, derived from the profile.

The graph is a pure function of the profile, so it can never disagree with
it; the store writes it to Redis in the same transaction as the profile.
Queries answer "everything about Maria", "events in Lisbon", "what happened
in 1998"; exports are JSON (node-link) and GraphML.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import Any

from pydantic import Field

from nlu.people import RELATIONS
from worker.profile.model import LifeEvent, Profile
from worker.store.records import Record

USER_NODE = "user"


class Node(Record):
    """One thing in the user's life."""

    node_id: str
    kind: str  # user | person | place | organisation | event | fact
    label: str
    attrs: dict[str, str] = Field(default_factory=dict)


class Edge(Record):
    """A typed link between two nodes."""

    source: str
    target: str
    kind: str  # knows | involves | happened_at | at_organisation | states | about
    label: str | None = None

    @property
    def edge_id(self) -> str:
        return f"{self.source}>{self.kind}>{self.target}"


class Graph(Record):
    """Nodes and edges of one user's graph."""

    nodes: tuple[Node, ...] = ()
    edges: tuple[Edge, ...] = ()

    def node(self, node_id: str) -> Node | None:
        """A node by id."""
        return next((n for n in self.nodes if n.node_id == node_id), None)

    def neighbours(self, node_id: str) -> list[tuple[Edge, Node]]:
        """Edges touching a node, with the node at the other end."""
        by_id = {n.node_id: n for n in self.nodes}
        out = []
        for edge in self.edges:
            other = edge.target if edge.source == node_id else (
                edge.source if edge.target == node_id else None)
            if other is not None and other in by_id:
                out.append((edge, by_id[other]))
        return out


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _mentions(text: str | None, names: Iterable[str]) -> bool:
    if not text:
        return False
    folded = f" {_fold(text)} "
    return any(f" {_fold(n)} " in folded for n in names if n)


def _event_attrs(event: LifeEvent) -> dict[str, str]:
    attrs = {"predicate": event.predicate, "turn_id": event.turn_id}
    tv = event.time_value
    if event.time:
        attrs["time"] = event.time
    if tv is not None and tv.start is not None:
        attrs["start"] = tv.start.isoformat()
        attrs["end"] = (tv.end or tv.start).isoformat()
        attrs["precision"] = tv.precision
    if tv is not None and tv.age is not None:
        attrs["age"] = str(tv.age)
    return attrs


def build_graph(profile: Profile) -> Graph:
    """The knowledge graph implied by a profile."""
    nodes = [Node(node_id=USER_NODE, kind="user", label="you")]
    edges: list[Edge] = []
    for p in profile.people:
        nodes.append(Node(node_id=f"person:{p.person_id}", kind="person", label=p.name,
                          attrs={"relation": p.relation or "", "aliases": "|".join(p.aliases)}))
        edges.append(Edge(source=USER_NODE, target=f"person:{p.person_id}", kind="knows",
                          label=p.relation))
    for kind, items in (("place", profile.places), ("organisation", profile.organisations)):
        nodes += [Node(node_id=f"{kind}:{x.place_id}", kind=kind, label=x.name) for x in items]
    for e in profile.events:
        eid = f"event:{e.event_id}"
        nodes.append(Node(node_id=eid, kind="event", label=e.text, attrs=_event_attrs(e)))
        edges.append(Edge(source=USER_NODE, target=eid, kind="lived"))
        roles = " | ".join(filter(None, [e.agent, e.patient, *e.participants, e.text]))
        for p in profile.people:
            if _mentions(roles, (p.name, *p.aliases)):
                edges.append(Edge(source=eid, target=f"person:{p.person_id}", kind="involves"))
        for kind, items in (("place", profile.places), ("organisation", profile.organisations)):
            for x in items:
                if _mentions(e.place, [x.name]) or _mentions(e.text, [x.name]):
                    edges.append(Edge(source=eid, target=f"{kind}:{x.place_id}",
                                      kind="happened_at"))
    for n, f in enumerate(profile.facts):
        fid = f"fact:{n}:{f.predicate}"
        attrs = {"predicate": f.predicate, "object": f.object, "since": f.first_seen.isoformat()}
        if f.superseded_at:
            attrs["until"] = f.superseded_at.isoformat()
        nodes.append(Node(node_id=fid, kind="fact", label=f"{f.predicate}: {f.object}",
                          attrs=attrs))
        edges.append(Edge(source=USER_NODE, target=fid, kind="states"))
        for x in (*profile.places, *profile.organisations):
            if _fold(x.name) == _fold(f.object):
                edges.append(Edge(source=fid, target=f"{x.kind}:{x.place_id}", kind="about"))
    return make_graph(nodes, edges)


def make_graph(nodes: Iterable[Node], edges: Iterable[Edge]) -> Graph:
    """A graph in canonical order, each node and edge once."""
    unique_nodes = {n.node_id: n for n in nodes}
    unique_edges = {e.edge_id: e for e in edges}
    return Graph(nodes=tuple(unique_nodes[k] for k in sorted(unique_nodes)),
                 edges=tuple(unique_edges[k] for k in sorted(unique_edges)))


def _names(node: Node) -> set[str]:
    names = {_fold(node.label), *(_fold(a) for a in node.attrs.get("aliases", "").split("|") if a)}
    relation = node.attrs.get("relation")
    if relation:
        names |= {relation, f"my {relation}", f"your {relation}"}
    return names


def find(graph: Graph, name: str, kinds: Iterable[str] = ("person", "place", "organisation")
         ) -> Node | None:
    """The node called name: its label, an alias, or its relation ("Grandma" = grandmother)."""
    wanted = _fold(name)
    words = wanted.split()
    if words and words[-1] in RELATIONS:  # "grandma", "my gran" -> "grandmother"
        wanted = " ".join([*words[:-1], RELATIONS[words[-1]][0]])
    matches = [n for n in graph.nodes if n.kind in kinds and wanted in _names(n)]
    return matches[0] if len(matches) == 1 else None


def about(graph: Graph, name: str) -> list[tuple[Edge, Node]]:
    """Everything linked to the person, place or organisation called name."""
    node = find(graph, name)
    return graph.neighbours(node.node_id) if node else []


def events_at(graph: Graph, place: str) -> list[Node]:
    """Events that happened at a place (or an organisation)."""
    node = find(graph, place, kinds=("place", "organisation"))
    if node is None:
        return []
    return [n for e, n in graph.neighbours(node.node_id)
            if n.kind == "event" and e.kind == "happened_at"]


def events_in(graph: Graph, year: int) -> list[Node]:
    """Events whose time range includes the given year."""
    out = []
    for n in graph.nodes:
        start, end = n.attrs.get("start"), n.attrs.get("end")
        if n.kind == "event" and start and end and int(start[:4]) <= year <= int(end[:4]):
            out.append(n)
    return out


def to_json(graph: Graph) -> dict[str, Any]:
    """Node-link JSON (the shape networkx and d3 read)."""
    return {
        "directed": True,
        "nodes": [{"id": n.node_id, "kind": n.kind, "label": n.label, **n.attrs}
                  for n in graph.nodes],
        "links": [{"source": e.source, "target": e.target, "kind": e.kind,
                   **({"label": e.label} if e.label else {})} for e in graph.edges],
    }


def to_graphml(graph: Graph) -> str:
    """GraphML (readable by Gephi, yEd, networkx)."""
    ns = "http://graphml.graphdrawing.org/xmlns"
    ET.register_namespace("", ns)
    root = ET.Element(f"{{{ns}}}graphml")
    node_keys = sorted({"kind", "label", *(k for n in graph.nodes for k in n.attrs)})
    for key in node_keys:
        ET.SubElement(root, f"{{{ns}}}key", id=f"n_{key}", attrib={
            "for": "node", "attr.name": key, "attr.type": "string"})
    for key in ("kind", "label"):
        ET.SubElement(root, f"{{{ns}}}key", id=f"e_{key}", attrib={
            "for": "edge", "attr.name": key, "attr.type": "string"})
    g = ET.SubElement(root, f"{{{ns}}}graph", id="G", edgedefault="directed")
    for n in graph.nodes:
        el = ET.SubElement(g, f"{{{ns}}}node", id=n.node_id)
        for key, value in {"kind": n.kind, "label": n.label, **n.attrs}.items():
            ET.SubElement(el, f"{{{ns}}}data", key=f"n_{key}").text = value
    for i, e in enumerate(graph.edges):
        el = ET.SubElement(g, f"{{{ns}}}edge", id=f"e{i}", source=e.source, target=e.target)
        ET.SubElement(el, f"{{{ns}}}data", key="e_kind").text = e.kind
        if e.label:
            ET.SubElement(el, f"{{{ns}}}data", key="e_label").text = e.label
    return ET.tostring(root, encoding="unicode", xml_declaration=True)
