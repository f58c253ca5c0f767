"""The semantic layer: tables, joins, metrics, dimensions, synonyms (en + zh), units, verified
queries and genealogy, declared in YAML and loaded into a validated `Layer`.

This package is the bottom of the stack: it imports nothing from `assistant`.
"""

from semantic_layer.errors import FactoryAssistantError, LayerError, QueryError, UnknownFieldError
from semantic_layer.layer import Layer
from semantic_layer.loader import load_layer

__all__ = ["FactoryAssistantError", "Layer", "LayerError", "QueryError", "UnknownFieldError", "load_layer"]
