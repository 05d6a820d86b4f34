"""JSON round trip for the nested dataclasses that flow between stages."""
from __future__ import annotations

import dataclasses
import json
import types
import typing
from typing import Any, TypeVar

T = TypeVar("T")


def to_dict(obj: Any) -> Any:
    return dataclasses.asdict(obj)


def from_dict(cls: type[T], data: Any) -> T:
    """Build `cls` (a dataclass, list[...] or plain type) from its `to_dict` form."""
    origin = typing.get_origin(cls)
    if origin in (list, tuple):
        (item,) = typing.get_args(cls)[:1]
        return [from_dict(item, x) for x in data]  # type: ignore[return-value]
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(cls) if a is not type(None)]
        return None if data is None else from_dict(args[0], data)  # type: ignore[return-value]
    if dataclasses.is_dataclass(cls):
        hints = typing.get_type_hints(cls)
        names = {f.name for f in dataclasses.fields(cls) if f.init}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"{cls.__name__} has no field(s) {sorted(unknown)}")
        return cls(**{k: from_dict(hints[k], v) for k, v in data.items()})
    return data


class JsonMixin:
    """`to_json` / `from_json` for a dataclass."""

    def to_dict(self) -> dict:
        return to_dict(self)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @classmethod
    def from_dict(cls, data: dict):
        return from_dict(cls, data)

    @classmethod
    def from_json(cls, text: str):
        return cls.from_dict(json.loads(text))
