"""pyarrow writer of the LOOK-M trace format, version 1 (see traces/FORMAT.md).

The same schema as the Java writer (lookm.traces.schema.TraceSchema): a directory of Arrow IPC files, tidy
(one row per token), one record batch per (layer, kv_head) in kv.arrow and per layer elsewhere, written under a
temporary name and renamed into place. Usable on its own from any recorder:

    with TraceWriter(out_dir, meta, image_ids, token_ids) as w:
        for layer in range(meta["layers"]):
            w.write_layer(layer, keys, values, attention, prefill_queries, probe_queries, probe_positions)
"""
import os
import shutil
import uuid

import numpy as np
import pyarrow as pa

VERSION = "1"
LAYOUT, KV, ATTENTION, QUERIES, PROBES = "layout.arrow", "kv.arrow", "attention.arrow", "queries.arrow", "probes.arrow"
META_KEYS = {  # metadata dict key -> Arrow schema metadata key
    "model_name": "lookm.model.name", "layers": "lookm.model.layers", "query_heads": "lookm.model.query_heads",
    "kv_heads": "lookm.model.kv_heads", "head_dim": "lookm.model.head_dim", "rope_base": "lookm.model.rope_base",
    "dtype": "lookm.trace.dtype", "tokens_per_image": "lookm.model.tokens_per_image", "tokens": "lookm.trace.tokens",
    "prefill_queries": "lookm.trace.prefill_queries", "probes": "lookm.trace.probes", "source": "lookm.trace.source",
}
ARROW_DTYPES = {"float16": (pa.float16(), np.float16), "float32": (pa.float32(), np.float32)}


def schema_metadata(meta, file_name):
    """The string map stored in every file's schema; version first."""
    out = {"lookm.trace.version": VERSION, "lookm.trace.file": file_name}
    for key, arrow_key in META_KEYS.items():
        value = meta[key] if key != "source" else meta.get("source", "")
        out[arrow_key] = repr(float(value)) if key == "rope_base" else str(value)
    return out


class TraceWriter:
    """Writes one trace layer by layer; commits on a clean exit after all layers, else deletes the temporary files."""

    def __init__(self, path, meta, image_ids, token_ids=None, overwrite=False):
        self.path = os.path.abspath(path)
        if os.path.exists(self.path) and not overwrite:
            raise FileExistsError(f"{self.path}: already exists; refusing to overwrite it (pass overwrite=True)")
        self.meta = dict(meta)
        self.dims = self.meta["head_dim"]
        self.arrow_type, self.np_type = ARROW_DTYPES[self.meta["dtype"]]
        self.tmp = os.path.join(os.path.dirname(self.path), f".{os.path.basename(self.path)}.tmp-{uuid.uuid4().hex}")
        os.makedirs(self.tmp)
        self.next_layer = 0
        self._write_layout(np.asarray(image_ids, dtype=np.int32), token_ids)
        self.sinks = {KV: self._open(KV, [("layer", pa.int32()), ("kv_head", pa.int32()), ("position", pa.int32()),
                                          ("key", self._vector()), ("value", self._vector())]),
                      ATTENTION: self._open(ATTENTION, [("layer", pa.int32()), ("query_head", pa.int32()),
                                                        ("position", pa.int32()), ("accumulated_attention", pa.float32())])}
        query_columns = [("layer", pa.int32()), ("query_head", pa.int32()), ("position", pa.int32()), ("query", self._vector())]
        if self.meta["prefill_queries"] > 0:
            self.sinks[QUERIES] = self._open(QUERIES, query_columns)
        if self.meta["probes"] > 0:
            self.sinks[PROBES] = self._open(PROBES, query_columns)

    def _vector(self):
        return pa.list_(self.arrow_type, self.dims)

    def _schema(self, name, columns):
        return pa.schema([pa.field(n, t) for n, t in columns], metadata=schema_metadata(self.meta, name))

    def _open(self, name, columns):
        schema = self._schema(name, columns)
        return schema, pa.ipc.new_file(os.path.join(self.tmp, name), schema)

    def _write_layout(self, image_ids, token_ids):
        t = self.meta["tokens"]
        if image_ids.shape != (t,):
            raise ValueError(f"image_ids has shape {image_ids.shape}, expected ({t},)")
        columns = [("position", pa.int32()), ("modality", pa.string()), ("image_index", pa.int32())]
        arrays = [pa.array(np.arange(t, dtype=np.int32)), pa.array(np.where(image_ids < 0, "text", "image")), pa.array(image_ids)]
        if token_ids is not None:
            columns.append(("token_id", pa.int32()))
            arrays.append(pa.array(np.asarray(token_ids, dtype=np.int32)))
        schema = self._schema(LAYOUT, columns)
        with pa.ipc.new_file(os.path.join(self.tmp, LAYOUT), schema) as w:
            w.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))

    def _vectors(self, rows):
        """(n, D) array -> FixedSizeList<D> of the cache dtype."""
        flat = np.ascontiguousarray(rows, dtype=self.np_type).reshape(-1)
        if not np.isfinite(flat).all():
            raise ValueError("non-finite value (NaN/Inf, or float16 overflow) in a vector column")
        return pa.FixedSizeListArray.from_arrays(pa.array(flat, type=self.arrow_type), self.dims)

    def _batch(self, name, arrays):
        schema, writer = self.sinks[name]
        writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))

    def write_layer(self, layer, keys, values, attention, prefill_queries=None, probe_queries=None, probe_positions=None):
        """keys, values (Hkv, T, D); attention (Hq, T) column sums; prefill_queries (Hq, W, D) for the last W
        positions; probe_queries (Hq, P, D) at probe_positions (P,), default T, T+1, ..."""
        m, t = self.meta, self.meta["tokens"]
        if layer != self.next_layer:
            raise ValueError(f"got layer {layer}, expected layer {self.next_layer} (layers are written in order)")
        expect = {"keys": (keys, (m["kv_heads"], t, self.dims)), "values": (values, (m["kv_heads"], t, self.dims)),
                  "attention": (attention, (m["query_heads"], t))}
        for name, (array, shape) in expect.items():
            if tuple(np.shape(array)) != shape:
                raise ValueError(f"layer {layer}: {name} has shape {np.shape(array)}, expected {shape}")
        positions = np.arange(t, dtype=np.int32)
        for h in range(m["kv_heads"]):
            self._batch(KV, [pa.array(np.full(t, layer, np.int32)), pa.array(np.full(t, h, np.int32)), pa.array(positions),
                             self._vectors(keys[h]), self._vectors(values[h])])
        hq = m["query_heads"]
        self._batch(ATTENTION, [pa.array(np.full(hq * t, layer, np.int32)), pa.array(np.repeat(np.arange(hq, dtype=np.int32), t)),
                                pa.array(np.tile(positions, hq)), pa.array(np.asarray(attention, np.float32).reshape(-1))])
        w = m["prefill_queries"]
        if w > 0:
            self._queries(QUERIES, layer, prefill_queries, np.arange(t - w, t, dtype=np.int32))
        p = m["probes"]
        if p > 0:
            pos = np.arange(t, t + p, dtype=np.int32) if probe_positions is None else np.asarray(probe_positions, np.int32)
            self._queries(PROBES, layer, probe_queries, pos)
        self.next_layer += 1

    def _queries(self, name, layer, queries, positions):
        hq, n = self.meta["query_heads"], len(positions)
        if queries is None or tuple(np.shape(queries)) != (hq, n, self.dims):
            raise ValueError(f"layer {layer}: {name} needs queries of shape {(hq, n, self.dims)}, got "
                             f"{None if queries is None else np.shape(queries)}")
        self._batch(name, [pa.array(np.full(hq * n, layer, np.int32)), pa.array(np.repeat(np.arange(hq, dtype=np.int32), n)),
                           pa.array(np.tile(positions, hq)), self._vectors(np.asarray(queries).reshape(hq * n, self.dims))])

    def close(self, commit=True):
        for _, writer in self.sinks.values():
            writer.close()
        if commit and self.next_layer == self.meta["layers"]:
            if os.path.exists(self.path):
                old = f"{self.tmp}.old"
                os.rename(self.path, old)
                os.rename(self.tmp, self.path)
                shutil.rmtree(old)
            else:
                os.rename(self.tmp, self.path)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
            if commit:
                raise ValueError(f"{self.path}: incomplete, {self.next_layer} of {self.meta['layers']} layers written; nothing committed")

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close(commit=exc_type is None)
        return False
