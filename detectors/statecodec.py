"""A versioned snapshot format that cannot execute code: msgpack plus a class registry.

Engine, campaign and merger state is written to Kafka topics and read back by
whichever worker takes a partition over. Anyone who can write to such a topic
could otherwise choose what the reader runs (pickle calls whatever the data
names). Decoding here only ever builds

- ``None``, ``bool``, ``int`` (any size), ``float`` (NaN and infinities too),
  ``str``, ``bytes``, ``bytearray``;
- ``list``, ``tuple``, ``dict`` (any hashable keys), ``OrderedDict``, ``set``,
  ``frozenset``, ``deque``, and ``array.array`` (typecode + little-endian bytes);
- instances of classes in :data:`REGISTRY`, made with ``cls.__new__`` and given
  their ``__dict__`` / ``__slots__`` values from the data (or rebuilt by the
  class's registered ``from_state`` function). A name that is not registered is
  refused. Nothing named in the data is ever called.

Registering a class is one line, next to the others in
:mod:`detectors.state_classes`::

    register(KeyState)                                   # slots/__dict__ as they are
    register(Random, to_state=..., from_state=...)       # explicit functions

A class that defines ``__getstate__``/``__setstate__`` itself is saved through
them (the class is chosen from the registry, so this calls no name from the
data). Tuple subclasses (named tuples) keep their items.

Objects referenced from two places (river's forest keeps its nodes in the
trees and in a flat list) are written once and referenced after, so sharing
survives a round trip; a cycle, or one plain list/dict reached twice, is
refused at encoding time with the type involved (register a ``to_state`` that
breaks it).

A blob is ``MAGIC`` followed by the msgpack array ``[kind, version, body]``:
:func:`decode` refuses another kind or version with a message that says which,
and an old pickle snapshot with a message that says so.

Examples
--------
>>> from collections import OrderedDict
>>> from array import array
>>> state = {"keys": OrderedDict(a=array("f", [1.5])), "big": 2**300, (1, 2): {3}}
>>> blob = encode(state, kind="demo", version=1)
>>> decode(blob, kind="demo", version=1) == state
True
>>> try:
...     decode(blob, kind="demo", version=2)
... except StateError as exc:
...     print(exc)
demo snapshot format 1 is not supported (this version reads format 2)
>>> import pickle
>>> try:
...     decode(pickle.dumps(state), kind="demo", version=1)
... except StateError as exc:
...     print(str(exc)[:60])
not a distillwatch demo snapshot: a pickle (an older distill
"""

from __future__ import annotations

import sys
from array import array
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec
from msgspec.msgpack import Ext

__all__ = ["MAGIC", "REGISTRY", "StateError", "decode", "encode", "register"]

#: First bytes of every snapshot (pickle protocol 2+ starts with 0x80, never with this).
MAGIC = b"DWS\x01"

# Extension type codes (msgpack "ext"): the only non-JSON shapes the format knows.
_TUPLE, _SET, _FROZENSET, _ODICT, _PAIRS, _ARRAY, _BIGINT = 1, 2, 3, 4, 5, 6, 7
_DEQUE, _BYTEARRAY, _OBJECT, _REF, _UNSET = 8, 9, 10, 11, 12
_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1
_SIMPLE_KEYS = (str, int, float, bytes, bool, type(None))
_encode = msgspec.msgpack.Encoder().encode


class StateError(ValueError):
    """A snapshot that cannot be written or read: unknown class, wrong version, forged."""


class _Unset:
    """An empty slot of a ``__slots__`` object (written so positions keep their meaning)."""


UNSET = _Unset()


@dataclass(frozen=True)
class _Codec:
    name: str
    cls: type
    to_state: Callable[[Any], Any]
    from_state: Callable[[Any], Any]


#: Registered classes by the name written in snapshots.
REGISTRY: dict[str, _Codec] = {}
_BY_TYPE: dict[type, _Codec] = {}


def _slot_names(cls: type) -> tuple[str, ...]:
    names: list[str] = []
    for klass in reversed(cls.__mro__):
        slots = klass.__dict__.get("__slots__", ())
        for name in (slots,) if isinstance(slots, str) else slots:
            if name not in ("__dict__", "__weakref__") and name not in names:
                names.append(name)
    return tuple(names)


def _default_codec(cls: type) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    if issubclass(cls, tuple):
        return list, lambda items: tuple.__new__(cls, items)
    make = object.__new__ if cls.__new__ is object.__new__ else cls.__new__
    if any("__setstate__" in klass.__dict__ for klass in cls.__mro__[:-1]):

        def restore_custom(state: Any) -> Any:
            obj: Any = make(cls)
            obj.__setstate__(state)
            return obj

        return (lambda obj: obj.__getstate__()), restore_custom
    slots = _slot_names(cls)
    has_dict = any("__dict__" in klass.__dict__ for klass in cls.__mro__[:-1]) or not slots
    if not has_dict:
        # Slots only: values in slot order, no names (a hundred thousand keys would
        # otherwise carry their 25 slot names each). A changed slot list needs a
        # version bump of whatever holds the class, as any change of state does.
        def slots_state(obj: Any) -> list[Any]:
            return [getattr(obj, name, UNSET) for name in slots]

        def from_slots(state: Any) -> Any:
            if type(state) is not list or len(state) != len(slots):
                raise StateError(f"{cls.__qualname__}: expected {len(slots)} slot values")
            obj = make(cls)
            for name, value in zip(slots, state, strict=True):
                if value is not UNSET:
                    object.__setattr__(obj, name, value)
            return obj

        return slots_state, from_slots

    def to_state(obj: Any) -> Any:
        state = {name: getattr(obj, name) for name in slots if hasattr(obj, name)}
        if has_dict:
            state.update(obj.__dict__)
        return state

    def from_state(state: Any) -> Any:
        if type(state) is not dict:
            raise StateError(f"{cls.__qualname__}: state is not a mapping")
        obj = make(cls)
        for name, value in state.items():
            if type(name) is not str or name.startswith("__"):
                raise StateError(f"{cls.__qualname__}: bad attribute name {name!r}")
            if name in slots:
                object.__setattr__(obj, name, value)
            elif has_dict:
                obj.__dict__[name] = value
            else:
                raise StateError(f"{cls.__qualname__} has no attribute {name!r}")
        return obj

    return to_state, from_state


def register(
    cls: type,
    name: str | None = None,
    *,
    to_state: Callable[[Any], Any] | None = None,
    from_state: Callable[[Any], Any] | None = None,
) -> type:
    """Allow instances of ``cls`` in snapshots (returns ``cls``, so it can decorate).

    Parameters
    ----------
    name
        The name written in snapshots; ``module.QualName`` by default. Renaming a
        class changes it: bump the snapshot version of what holds it.
    to_state, from_state
        Explicit conversion (both or neither): ``to_state(obj)`` returns
        encodable data, ``from_state(data)`` rebuilds the object.
    """
    if (to_state is None) != (from_state is None):
        raise ValueError("give both to_state and from_state, or neither")
    name = name or f"{cls.__module__}.{cls.__qualname__}"
    if to_state is None or from_state is None:
        to_state, from_state = _default_codec(cls)
    codec = _Codec(name, cls, to_state, from_state)
    existing = REGISTRY.get(name)
    if existing is not None and existing.cls is not cls:
        raise ValueError(f"state name {name!r} is already taken by {existing.cls!r}")
    REGISTRY[name] = _BY_TYPE[cls] = codec
    return cls


def _le_bytes(values: array[Any]) -> bytes:
    if sys.byteorder == "big":
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


class _Packer:
    """One encoding pass: turns state into msgpack-native values and ``Ext`` records."""

    def __init__(self) -> None:
        self.names: dict[str, int] = {}  # class name -> its number, written once per snapshot
        self.done: dict[int, int] = {}  # id of a registered object -> its reference number
        self.active: set[int] = set()
        self.seen: set[int] = set()  # ids of plain mutable containers already written
        self.alive: list[Any] = []  # keeps every visited object alive, so ids stay unique

    def once(self, value: Any) -> None:
        key = id(value)
        if key in self.seen:
            raise StateError(
                f"a {type(value).__name__} is reached twice in the state (shared, or a "
                "cycle): give the class holding it a to_state that writes it once"
            )
        self.seen.add(key)
        self.alive.append(value)

    def pack(self, value: Any) -> Any:
        kind = type(value)
        if kind is str or kind is float or kind is bool or value is None or kind is bytes:
            return value
        if value is UNSET:
            return Ext(_UNSET, b"")
        if kind is int:
            if _INT_MIN <= value <= _INT_MAX:
                return value
            size = (value.bit_length() + 8) // 8
            return Ext(_BIGINT, value.to_bytes(size, "little", signed=True))
        if kind is list:
            self.once(value)
            pack = self.pack
            return [pack(item) for item in value]
        if kind is dict:
            self.once(value)
            return self.mapping(value)
        if kind is tuple:
            return Ext(_TUPLE, _encode([self.pack(item) for item in value]))
        if kind is array:
            self.once(value)
            return Ext(_ARRAY, value.typecode.encode() + _le_bytes(value))
        if kind is OrderedDict:
            self.once(value)
            return Ext(_ODICT, _encode(self.pairs(value)))
        if kind is set or kind is frozenset:
            self.once(value)
            items = [self.pack(item) for item in value]
            return Ext(_SET if kind is set else _FROZENSET, _encode(items))
        if kind is deque:
            self.once(value)
            return Ext(_DEQUE, _encode([value.maxlen, [self.pack(item) for item in value]]))
        if kind is bytearray:
            self.once(value)
            return Ext(_BYTEARRAY, bytes(value))
        return self.instance(value)

    def mapping(self, value: dict[Any, Any]) -> Any:
        pack = self.pack
        for key in value:
            kind = type(key)
            if kind not in _SIMPLE_KEYS or (kind is int and not _INT_MIN <= key <= _INT_MAX):
                return Ext(_PAIRS, _encode(self.pairs(value)))
        return {key: pack(item) for key, item in value.items()}

    def pairs(self, value: dict[Any, Any]) -> list[Any]:
        flat: list[Any] = []
        for key, item in value.items():
            flat.append(self.pack(key))
            flat.append(self.pack(item))
        return flat

    def instance(self, value: Any) -> Any:
        codec = _BY_TYPE.get(type(value))
        if codec is None:
            raise StateError(
                f"cannot snapshot a {type(value).__module__}.{type(value).__qualname__}: "
                "register it (detectors/state_classes.py, one line per class)"
            )
        key = id(value)
        ref = self.done.get(key)
        if ref is not None:
            return Ext(_REF, _encode(ref))
        if key in self.active:
            raise StateError(f"a {codec.name} contains itself: cycles cannot be snapshot")
        self.active.add(key)
        self.alive.append(value)
        # The class name goes first, as a header, and once per snapshot: later objects
        # of the class refer to it by number. It is numbered before the object's state
        # is packed, which is also the order a reader meets names in.
        number = self.names.get(codec.name)
        if number is None:
            self.names[codec.name] = len(self.names)
            raw = codec.name.encode()
            head = b"\x00" + len(raw).to_bytes(2, "big") + raw
        else:
            head = b"\x01" + number.to_bytes(4, "big")
        body = head + _encode(self.pack(codec.to_state(value)))
        self.active.discard(key)
        self.done[key] = len(self.done)
        return Ext(_OBJECT, body)


class _Unpacker:
    """One decoding pass; ``objects`` holds registered objects in reference order."""

    def __init__(self) -> None:
        self.objects: list[Any] = []
        self.names: list[str] = []
        self.decoder = msgspec.msgpack.Decoder(ext_hook=self.ext)

    def header(self, data: memoryview) -> tuple[str, memoryview]:
        """The class name an object record starts with, and the rest (its state)."""
        if data[:1] == b"\x00":
            size = int.from_bytes(data[1:3], "big")
            name = bytes(data[3 : 3 + size]).decode()  # UnicodeDecodeError: refused
            if len(name.encode()) != size:
                raise StateError("truncated class name")
            self.names.append(name)
            return name, data[3 + size :]
        if data[:1] == b"\x01" and len(data) >= 5:
            number = int.from_bytes(data[1:5], "big")
            if number >= len(self.names):
                raise StateError(f"class number {number} not named yet")
            return self.names[number], data[5:]
        raise StateError("malformed object record")

    def ext(self, code: int, data: memoryview) -> Any:
        if code == _TUPLE:
            return tuple(self.read_list(data))
        if code == _OBJECT:
            name, rest = self.header(data)
            codec = REGISTRY.get(name)
            if codec is None:
                raise StateError(f"class {name!r} is not allowed in state (not registered)")
            obj = codec.from_state(self.decoder.decode(rest))
            self.objects.append(obj)
            return obj
        if code == _REF:
            ref = self.decoder.decode(data)
            if type(ref) is not int or not 0 <= ref < len(self.objects):
                raise StateError(f"reference {ref!r} to an object not read yet")
            return self.objects[ref]
        if code == _ARRAY:
            raw = bytes(data)
            values = array(raw[:1].decode("ascii"), raw[1:])  # ValueError on a bad typecode
            if sys.byteorder == "big":
                values.byteswap()
            return values
        if code == _BIGINT:
            return int.from_bytes(data, "little", signed=True)
        if code in (_ODICT, _PAIRS):
            flat = self.read_list(data)
            if len(flat) % 2:
                raise StateError("odd number of items in a mapping")
            pairs = zip(flat[::2], flat[1::2], strict=True)
            return OrderedDict(pairs) if code == _ODICT else dict(pairs)
        if code in (_SET, _FROZENSET):
            items = self.read_list(data)
            return set(items) if code == _SET else frozenset(items)
        if code == _DEQUE:
            maxlen, items = self.read_list(data, 2)
            if maxlen is not None and (type(maxlen) is not int or maxlen < 0):
                raise StateError(f"bad deque length {maxlen!r}")
            return deque(self.items(items), maxlen)
        if code == _BYTEARRAY:
            return bytearray(data)
        if code == _UNSET:
            return UNSET
        raise StateError(f"unknown value type {code} in state")

    def read_list(self, data: memoryview, size: int | None = None) -> list[Any]:
        return self.items(self.decoder.decode(data), size)

    @staticmethod
    def items(value: Any, size: int | None = None) -> list[Any]:
        if type(value) is not list or (size is not None and len(value) != size):
            raise StateError("malformed state record")
        return value


def encode(state: Any, kind: str, version: int) -> bytes:
    """``state`` as a snapshot of ``kind`` at format ``version``.

    Raises :class:`StateError` on an unregistered class, a cycle or a shared
    plain container.
    """
    try:
        body = _encode(_Packer().pack(state))
    except RecursionError:
        raise StateError(f"{kind} state nested too deeply to snapshot") from None
    # The body travels as bytes: a reader checks kind and version before decoding it.
    return MAGIC + _encode([kind, version, body])


def decode(blob: bytes, kind: str, version: int) -> Any:
    """Read a snapshot written by :func:`encode` with the same ``kind`` and ``version``.

    Raises :class:`StateError`, with a one-line reason, on anything else: an old
    pickle, another kind or version, an unregistered class, a malformed or
    truncated record. Nothing in the blob is executed.
    """
    data = bytes(blob)
    if not data.startswith(MAGIC):
        what = "a pickle (an older distillwatch wrote it, or it is forged)"
        if not data.startswith(b"\x80"):
            what = "unknown format"
        raise StateError(f"not a distillwatch {kind} snapshot: {what}; refused, never unpickled")
    try:
        header = msgspec.msgpack.decode(data[len(MAGIC) :])
    except msgspec.DecodeError as exc:
        raise StateError(f"unreadable {kind} snapshot: {exc}") from None
    written_kind, written_version, body = _Unpacker.items(header, 3)
    if written_kind != kind:
        raise StateError(f"a {written_kind!r} snapshot where a {kind!r} one was expected")
    if written_version != version:
        raise StateError(
            f"{kind} snapshot format {written_version} is not supported "
            f"(this version reads format {version})"
        )
    if type(body) is not bytes:
        raise StateError(f"unreadable {kind} snapshot: no body")
    try:
        return _Unpacker().decoder.decode(body)
    except StateError:
        raise
    except Exception as exc:  # any failure of forged or damaged data is a refusal, one line
        raise StateError(f"unreadable {kind} snapshot: {type(exc).__name__}: {exc}") from None
