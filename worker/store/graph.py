"""The knowledge graph in Redis: a hash of nodes and a hash of edges per user."""

from __future__ import annotations

from typing import Any

from worker.profile.graph import Edge, Graph, Node, build_graph, make_graph
from worker.profile.model import Profile
from worker.store.base import StoreBase


class GraphStore(StoreBase):
    """Writes the graph with its profile and reads it back for queries and export."""

    def _write_graph(self, pipe: Any, profile: Profile) -> None:
        """Replace the user's graph with the one its profile implies (inside a transaction)."""
        graph = build_graph(profile)
        user = profile.user
        nodes_key, edges_key = self.keys.graph_nodes(user), self.keys.graph_edges(user)
        pipe.delete(nodes_key, edges_key)
        if graph.nodes:
            pipe.hset(nodes_key, mapping={n.node_id: self._dump(user, n) for n in graph.nodes})
        if graph.edges:
            pipe.hset(edges_key, mapping={e.edge_id: self._dump(user, e) for e in graph.edges})

    def get_graph(self, user: str) -> Graph:
        """The user's knowledge graph as stored."""
        nodes_key, edges_key = self.keys.graph_nodes(user), self.keys.graph_edges(user)
        nodes = [self._load(Node, raw, nodes_key, user)
                 for raw in self.redis.hvals(nodes_key)]
        edges = [self._load(Edge, raw, edges_key, user)
                 for raw in self.redis.hvals(edges_key)]
        return make_graph((n for n in nodes if n), (e for e in edges if e))
