"""The worker side of ``lookm conform --python MODULE:CALLABLE`` (protocol version 1).

Run as ``python -m lookm_traces.conform MODULE:CALLABLE``; the Java side (bench/README.md, "lookm conform") starts it,
sends generated cases on stdin and reads answers on stdout. Every message is an 8-byte big-endian length followed by
one Arrow IPC stream holding one record batch (the worker's first message, once the variant is imported, is a
schema-only stream with metadata ``ready``); nothing is written to disk. The variant's own prints go to stderr.

The variant is a plain function of one layer::

    def variant(keys, values, layout, observation, budget):
        # keys, values: torch.float32 (H, T, D), KV heads x tokens x head dim
        # layout.image_ids: torch.int32 (T,), -1 for a text token, else the image's index; layout.is_image: bool (T,)
        # observation.attention: torch.float32 (Hq, T) accumulated prefill attention (column sums) per query head,
        #     or None; observation.query_heads = Hq (a multiple of H, GQA groups are consecutive query heads)
        # budget.heavy = N, budget.recent = R (already resolved to counts for this T), budget.covers_cache (N + R >= T)
        return kept                      # H ascending 1-D integer tensors (or an (H, C) tensor): kept positions
        return kept, new_keys, new_values  # ... plus, when it merges, per head (C_h, D) float32 rows of the kept tokens

An exception raised by the variant is sent back as the case's failure (the Java side shrinks it like any other);
a variant that kills the process, never answers or returns arrays of the wrong type or shape is reported as a
worker failure (exit 2) with the case.
"""

import importlib
import os
import struct
import sys
import traceback
from dataclasses import dataclass
from typing import Optional

import pyarrow as pa
import torch

PROTOCOL_VERSION = "1"
LENGTH = struct.Struct(">q")


@dataclass(frozen=True)
class Layout:
    image_ids: torch.Tensor

    @property
    def is_image(self) -> torch.Tensor:
        return self.image_ids >= 0


@dataclass(frozen=True)
class Observation:
    attention: Optional[torch.Tensor]
    query_heads: int


@dataclass(frozen=True)
class Budget:
    heavy: int
    recent: int
    covers_cache: bool
    tokens: int


def load(spec: str):
    """The callable named MODULE:CALLABLE."""
    module_name, _, name = spec.partition(":")
    if not module_name or not name:
        raise ValueError(f"expected MODULE:CALLABLE, got {spec!r}")
    fn = getattr(importlib.import_module(module_name), name, None)
    if not callable(fn):
        raise ValueError(f"{spec}: {module_name} has no callable {name!r}")
    return fn


def decode(message: bytes):
    """One request: (keys, values, layout, observation, budget)."""
    table = pa.ipc.open_stream(pa.py_buffer(message)).read_all()
    meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    if meta.get("lookm.conform.version") != PROTOCOL_VERSION:
        raise ValueError(f"protocol version {meta.get('lookm.conform.version')!r}, this worker speaks {PROTOCOL_VERSION}")
    h, hq, t, d = (int(meta[k]) for k in ("heads", "query_heads", "tokens", "head_dim"))

    def column(name, dtype):
        return torch.from_numpy(table.column(name).combine_chunks().values.to_numpy(zero_copy_only=False).astype(dtype).copy())

    keys = column("keys", "float32").reshape(h, t, d)
    values = column("values", "float32").reshape(h, t, d)
    attention = column("attention", "float32").reshape(hq, t) if meta["has_attention"] == "true" else None
    layout = Layout(column("image_ids", "int32"))
    budget = Budget(int(meta["budget_heavy"]), int(meta["budget_recent"]), meta["covers_cache"] == "true", t)
    return keys, values, layout, Observation(attention, hq), budget


def _rows(per_head):
    """Per-head 1-D arrays, as given: integer tensors become int32, anything else is passed on (the Java side names it)."""
    out = []
    for row in per_head:
        a = row.detach().cpu().numpy() if isinstance(row, torch.Tensor) else __import__("numpy").asarray(row)
        if a.dtype.kind in "iu":
            a = a.astype("int32")
        elif a.dtype.kind == "f":
            a = a.astype("float32") if a.dtype.itemsize == 4 else a
        out.append(a.reshape(-1))
    return out


def encode(result) -> bytes:
    """The variant's result as an answer batch: one row per KV head."""
    if isinstance(result, tuple):
        kept, keys, values = result
    else:
        kept, keys, values = result, None, None
    columns = {"kept": pa.array(_rows(kept))}
    if keys is not None:
        columns["keys"] = pa.array(_rows(keys))
    if values is not None:
        columns["values"] = pa.array(_rows(values))
    return _stream(pa.record_batch(list(columns.values()), names=list(columns)))


def error(message: str) -> bytes:
    schema = pa.schema([], metadata={"error": message})
    return _stream(pa.record_batch([], schema=schema), schema_only=True)


def _stream(batch, schema_only=False) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        if not schema_only:
            writer.write_batch(batch)
    return sink.getvalue().to_pybytes()


def _send(stdout, message: bytes) -> None:
    stdout.write(LENGTH.pack(len(message)))
    stdout.write(message)
    stdout.flush()


def ready() -> bytes:
    """The first message, once the variant is imported: the Java side starts timing answers after it."""
    schema = pa.schema([], metadata={"lookm.conform.version": PROTOCOL_VERSION, "ready": "true"})
    return _stream(pa.record_batch([], schema=schema), schema_only=True)


def serve(variant, stdin, stdout) -> None:
    """Says ready, then answers requests until stdin closes."""
    _send(stdout, ready())
    while True:
        head = stdin.read(LENGTH.size)
        if len(head) < LENGTH.size:
            return
        (length,) = LENGTH.unpack(head)
        message = stdin.read(length)
        args = decode(message)
        try:
            with torch.no_grad():
                answer = encode(variant(*args))
        except Exception as e:  # the variant's failure is the case's verdict, not the worker's
            answer = error(f"{type(e).__name__}: {e} ({traceback.extract_tb(e.__traceback__)[-1].name})")
        _send(stdout, answer)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m lookm_traces.conform MODULE:CALLABLE", file=sys.stderr)
        return 2
    protocol_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a variant's print() must not corrupt the protocol
    sys.stdout = sys.stderr
    serve(load(argv[0]), sys.stdin.buffer, protocol_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
