"""What the strategy schema allows at a key path, read from the pydantic models.

Used for did-you-mean on unknown keys and to decide which maps ``--set`` may create.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel


def fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Key names allowed at ``loc`` of ``model`` ([] where it is no model)."""
    current: Any = model
    for part in loc:
        current = descend(current, part)
        if current is None:
            return []
    current = unwrap(current)
    return _keys(current) if isinstance(current, type) and issubclass(current, BaseModel) else []


def _keys(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items()]


def unwrap(annotation: Any) -> Any:
    """The model, dict or list inside ``Annotated[...]`` and ``X | None``."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            inner = unwrap(arg)
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
            if typing.get_origin(inner) in (dict, list):
                return inner
    return annotation


def descend(annotation: Any, part: Any) -> Any:
    """The annotation of key or index ``part`` inside ``annotation``; None if it has none."""
    current = unwrap(annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        for name, field in current.model_fields.items():
            if part in (name, field.alias):
                return field.annotation
        return None
    origin = typing.get_origin(current)
    if origin is dict:
        return typing.get_args(current)[1]
    if origin is list:
        return typing.get_args(current)[0]
    return None


def settable_map(
    model: type[BaseModel], prefix: list[str | int], key: str
) -> tuple[bool, list[str]]:
    """Whether ``prefix.key`` is a schema field holding a map (a model or a dict) that
    --set may create, and the field names the schema allows at ``prefix``.

    Only named schema fields are created: a new entry of a name → value map
    (``channels.fone``) is more likely a typo, so it stays an error with did-you-mean."""
    annotation: Any = model
    for part in prefix:
        annotation = descend(annotation, part)
        if annotation is None:
            return False, []
    container = unwrap(annotation)
    if not (isinstance(container, type) and issubclass(container, BaseModel)):
        return False, []
    allowed = _keys(container)
    if key not in allowed:
        return False, allowed
    child = unwrap(descend(container, key))
    is_model = isinstance(child, type) and issubclass(child, BaseModel)
    return is_model or typing.get_origin(child) is dict, allowed


def holds_list(model: type[BaseModel], loc: tuple[Any, ...]) -> bool:
    """Whether the field at ``loc`` of ``model`` holds a list."""
    current: Any = model
    for part in loc:
        current = descend(current, part)
        if current is None:
            return False
    return typing.get_origin(unwrap(current)) is list
