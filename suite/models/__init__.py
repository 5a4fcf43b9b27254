"""Model builders and the registry that names them."""

from suite.models.registry import REGISTRY, build, get, make_config, names

__all__ = ["REGISTRY", "build", "get", "make_config", "names"]
