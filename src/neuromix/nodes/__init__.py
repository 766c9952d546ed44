"""Node types. Every public module here registers its nodes on import (see ``_registry``)."""

from neuromix.nodes._registry import Buffer, NodeType, Option, Param, State, get, register, registry

__all__ = ["Buffer", "NodeType", "Option", "Param", "State", "get", "register", "registry"]
