"""pyarrow writer of the LOOK-M trace format, versions 2 and 1 (see traces/FORMAT.md).

The same schema as the Java writer (lookm.traces.schema.TraceSchema): a directory of Arrow IPC files, tidy
(one row per token), one record batch per (layer, kv_head) in kv.arrow and per layer elsewhere, written under a
temporary name and renamed into place. Usable on its own from any recorder:

    with TraceWriter(out_dir, meta, layout, token_ids) as w:
        for layer in range(meta["layers"]):
            w.write_layer(layer, keys, values, attention, prefill_queries, probe_queries, probe_positions)

With meta["decode_steps"] = S > 0 (S = probes) it also writes the decode part, decode.arrow: the keys and values of the S
generated tokens at positions T..T+S-1 (write_layer's decode_keys, decode_values, (Hkv, S, D)), whose queries are the probes.

`layout` is a dict of the version-2 per-token columns (LAYOUT_V2_COLUMNS: modality, image / video / tile / frame index,
RoPE positions), written as version 2 with meta's "architecture" and "rope_axes"; or, for version 1, the (T,) image
ids (-1 text).
"""
import hashlib
import os
import shutil
import uuid

import numpy as np
import pyarrow as pa

VERSION_1, VERSION_2 = "1", "2"
MODALITIES = ("text", "image", "video", "special")
NONE = -1
INDEX_COLUMNS = ("image_index", "video_index", "tile_index", "frame_index")
ROPE_COLUMNS = ("rope_t", "rope_h", "rope_w")
LAYOUT_V2_COLUMNS = ("modality",) + INDEX_COLUMNS + ROPE_COLUMNS
ROPE_AXES = (1, 3)
META_KEYS_V2 = {"architecture": "lookm.model.architecture", "rope_axes": "lookm.model.rope_axes"}
LAYOUT, KV, ATTENTION, QUERIES, PROBES = "layout.arrow", "kv.arrow", "attention.arrow", "queries.arrow", "probes.arrow"
DECODE = "decode.arrow"         # the optional decode part: K/V of the generated tokens (FORMAT.md, "Decode part")
DATA_FILES = (LAYOUT, KV, ATTENTION, QUERIES, PROBES, DECODE)
DECODE_VERSION_KEY, DECODE_VERSION, DECODE_STEPS_KEY = "lookm.decode.version", "1", "lookm.trace.decode_steps"
INTEGRITY = "integrity.arrow"   # per-file sha256, bytes, rows, batches (FORMAT.md, "Integrity"); written last
INTEGRITY_ALGORITHM_KEY, INTEGRITY_ALGORITHM = "lookm.integrity.algorithm", "sha256"
DIGEST_CHUNK = 1 << 20
# unit roundoff u and subnormal spacing eta of each cache dtype, for the attention-sum tolerance (AttentionSums.java)
ROUNDING = {"float16": (2.0 ** -11, 2.0 ** -24), "float32": (2.0 ** -24, 2.0 ** -149)}
U32 = 2.0 ** -24
SOFTMAX_EXTRA_OPS = 2
META_KEYS = {  # metadata dict key -> Arrow schema metadata key
    "model_name": "lookm.model.name", "layers": "lookm.model.layers", "query_heads": "lookm.model.query_heads",
    "kv_heads": "lookm.model.kv_heads", "head_dim": "lookm.model.head_dim", "rope_base": "lookm.model.rope_base",
    "dtype": "lookm.trace.dtype", "tokens_per_image": "lookm.model.tokens_per_image", "tokens": "lookm.trace.tokens",
    "prefill_queries": "lookm.trace.prefill_queries", "probes": "lookm.trace.probes", "source": "lookm.trace.source",
}
ARROW_DTYPES = {"float16": (pa.float16(), np.float16), "float32": (pa.float32(), np.float32)}


def schema_metadata(meta, file_name, version):
    """The string map stored in every file's schema; version first."""
    out = {"lookm.trace.version": version, "lookm.trace.file": file_name}
    for key, arrow_key in META_KEYS.items():
        value = meta[key] if key != "source" else meta.get("source", "")
        out[arrow_key] = repr(float(value)) if key == "rope_base" else str(value)
    if version == VERSION_2:
        out |= {arrow_key: str(meta[key]) for key, arrow_key in META_KEYS_V2.items()}
    if int(meta.get("decode_steps", 0)) > 0:   # absent without a decode part, as the Java writer
        out |= {DECODE_VERSION_KEY: DECODE_VERSION, DECODE_STEPS_KEY: str(int(meta["decode_steps"]))}
    return out


def check_metadata(meta):
    """A copy of `meta` once every key is present and sane; else one ValueError naming the key."""
    missing = [k for k in META_KEYS if k not in meta and k != "source"]
    if missing:
        raise ValueError(f"metadata lacks {', '.join(missing)}")
    if meta["dtype"] not in ARROW_DTYPES:
        raise ValueError(f"metadata dtype '{meta['dtype']}' is not one of {', '.join(ARROW_DTYPES)}")
    for key in ("layers", "query_heads", "kv_heads", "head_dim", "tokens"):
        if int(meta[key]) < 1:
            raise ValueError(f"metadata {key} = {meta[key]} must be >= 1")
    if meta["query_heads"] % meta["kv_heads"]:
        raise ValueError(f"metadata query_heads = {meta['query_heads']} is not a multiple of kv_heads = {meta['kv_heads']}")
    if not 0 <= meta["prefill_queries"] <= meta["tokens"] or meta["probes"] < 0 or meta["tokens_per_image"] < 0:
        raise ValueError(f"metadata prefill_queries must be in [0, tokens = {meta['tokens']}], probes and tokens_per_image >= 0; "
                         f"got {meta['prefill_queries']}, {meta['probes']}, {meta['tokens_per_image']}")
    steps = int(meta.get("decode_steps", 0))
    if steps < 0 or (steps > 0 and steps != meta["probes"]):
        raise ValueError(f"metadata decode_steps = {steps} must be 0 (no decode part) or equal probes = {meta['probes']} "
                         "(the decode part's queries are the probes, one per generated token)")
    return dict(meta) | {"decode_steps": steps}


def check_image_runs(image_ids, tokens_per_image):
    """Images are numbered 0, 1, ... in order of appearance, each one contiguous and, when tokens_per_image > 0,
    exactly that long (FORMAT.md, layout)."""
    expected_next, previous, run_start = 0, -1, 0
    for t, image in enumerate(list(image_ids) + [-1]):
        if image != previous and previous >= 0 and tokens_per_image and t - run_start != tokens_per_image:
            raise ValueError(f"image {previous} spans tokens {run_start}..{t - 1} ({t - run_start} tokens), "
                             f"expected tokens_per_image = {tokens_per_image}")
        if image != previous and image >= 0:
            if image != expected_next:
                raise ValueError(f"token {t}: image index {image}, expected {expected_next} (images numbered in order, each contiguous)")
            expected_next, run_start = image + 1, t
        elif image < -1:
            raise ValueError(f"token {t}: image index {image} (use -1 for text)")
        previous = image


def check_layout_v2(columns, tokens):
    """The version-2 per-token columns (FORMAT.md, layout v2) as int32 / str arrays, once every rule holds; else one
    ValueError naming the column and the token."""
    missing = [c for c in LAYOUT_V2_COLUMNS if c not in columns]
    if missing:
        raise ValueError(f"layout lacks column(s) {', '.join(missing)}")
    out = {"modality": np.asarray(columns["modality"]).astype(str)}
    out |= {c: np.asarray(columns[c], dtype=np.int64) for c in INDEX_COLUMNS + ROPE_COLUMNS}
    for name, column in out.items():
        if column.shape != (tokens,):
            raise ValueError(f"layout column {name} has shape {column.shape}, expected ({tokens},)")
    def fail(t, message):
        raise ValueError(f"layout, token {t}: {message}")
    modality = out["modality"]
    bad = np.flatnonzero(~np.isin(modality, MODALITIES))
    if bad.size:
        fail(bad[0], f"modality '{modality[bad[0]]}' is not one of {', '.join(MODALITIES)}")
    for name in INDEX_COLUMNS + ROPE_COLUMNS:
        low = NONE if name in INDEX_COLUMNS else 0
        bad = np.flatnonzero((out[name] < low) | (out[name] > np.iinfo(np.int32).max))
        if bad.size:
            fail(bad[0], f"{name} = {out[name][bad[0]]} is out of range (>= {low})")
    image, video, tile, frame = (out[c] for c in INDEX_COLUMNS)
    rules = (("image tokens need image_index >= 0 and tile_index >= 0, and no video or frame index",
              (modality == "image") & ((image < 0) | (tile < 0) | (video >= 0) | (frame >= 0))),
             ("video tokens need video_index >= 0 and frame_index >= 0, and no image or tile index",
              (modality == "video") & ((video < 0) | (frame < 0) | (image >= 0) | (tile >= 0))),
             ("text tokens have no image, video, tile or frame index",
              (modality == "text") & ((image >= 0) | (video >= 0) | (tile >= 0) | (frame >= 0))),
             ("special tokens belong to at most one image or video and have no frame index",
              (modality == "special") & (((image >= 0) & (video >= 0)) | (frame >= 0) | ((tile >= 0) & (image < 0)))))
    for message, broken in rules:
        if broken.any():
            fail(np.flatnonzero(broken)[0], f"{message} (modality {modality[np.flatnonzero(broken)[0]]})")
    for name, ids in (("image_index", image), ("video_index", video)):
        check_item_runs(ids, name)
    return out


def check_item_runs(ids, name):
    """Items (images or videos) numbered 0, 1, ... in order of appearance, each one contiguous."""
    expected_next, previous = 0, NONE
    for t, item in enumerate(ids):
        if item >= 0 and item != previous:
            if item != expected_next:
                raise ValueError(f"layout, token {t}: {name} {item}, expected {expected_next} (numbered in order of "
                                 "appearance, each one contiguous)")
            expected_next = item + 1
        previous = item


def attention_sum_tolerance(dtype, tokens):
    """The largest |sum_j a[h, j] - T| a correct recording can show, T*(u + T*eta/2 + (2T + 2)*u32): formula (5) of
    lookm.traces.schema.AttentionSums (rows rounded to the model dtype, summed and stored in float32)."""
    u, eta = ROUNDING[dtype]
    return tokens * (u + tokens * eta / 2 + (2 * tokens + SOFTMAX_EXTRA_OPS) * U32)


def sha256_of(path):
    """The file's sha256 as 64 lower-case hex digits, streamed in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(DIGEST_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


class TraceWriter:
    """Writes one trace layer by layer; commits on a clean exit after all layers, else deletes the temporary files."""

    def __init__(self, path, meta, layout, token_ids=None, overwrite=False):
        self.path = os.path.abspath(path)
        if os.path.exists(self.path) and not overwrite:
            raise FileExistsError(f"{self.path}: already exists; refusing to overwrite it (pass overwrite=True)")
        self.version = VERSION_2 if isinstance(layout, dict) else VERSION_1
        self.meta, self.overwrite = check_metadata(meta), overwrite
        if self.version == VERSION_2:
            missing = [k for k in META_KEYS_V2 if k not in meta]
            if missing or int(meta.get("rope_axes", 0)) not in ROPE_AXES:
                raise ValueError(f"version-2 metadata needs architecture and rope_axes in {ROPE_AXES}; lacks or bad: "
                                 f"{', '.join(missing) or 'rope_axes = ' + str(meta.get('rope_axes'))}")
        self.dims = self.meta["head_dim"]
        self.arrow_type, self.np_type = ARROW_DTYPES[self.meta["dtype"]]
        self.tmp = os.path.join(os.path.dirname(self.path), f".{os.path.basename(self.path)}.tmp-{uuid.uuid4().hex}")
        self.next_layer, self.sinks = 0, {}
        self.counts = {}   # file -> [rows, batches] written, for integrity.arrow
        os.makedirs(self.tmp)
        try:
            self._open_files(layout, token_ids)
        except BaseException:
            self.close(commit=False)
            raise

    def _open_files(self, layout, token_ids):
        if self.version == VERSION_2:
            self._write_layout_v2(layout, token_ids)
        else:
            self._write_layout(np.asarray(layout, dtype=np.int32), token_ids)
        self.sinks = {KV: self._open(KV, [("layer", pa.int32()), ("kv_head", pa.int32()), ("position", pa.int32()),
                                          ("key", self._vector()), ("value", self._vector())]),
                      ATTENTION: self._open(ATTENTION, [("layer", pa.int32()), ("query_head", pa.int32()),
                                                        ("position", pa.int32()), ("accumulated_attention", pa.float32())])}
        query_columns = [("layer", pa.int32()), ("query_head", pa.int32()), ("position", pa.int32()), ("query", self._vector())]
        if self.meta["prefill_queries"] > 0:
            self.sinks[QUERIES] = self._open(QUERIES, query_columns)
        if self.meta["probes"] > 0:
            self.sinks[PROBES] = self._open(PROBES, query_columns)
        if self.meta["decode_steps"] > 0:
            self.sinks[DECODE] = self._open(DECODE, [("layer", pa.int32()), ("kv_head", pa.int32()), ("position", pa.int32()),
                                                     ("key", self._vector()), ("value", self._vector())])

    def _vector(self):
        return pa.list_(self.arrow_type, self.dims)

    def _schema(self, name, columns):
        return pa.schema([pa.field(n, t) for n, t in columns], metadata=schema_metadata(self.meta, name, self.version))

    def _open(self, name, columns):
        schema = self._schema(name, columns)
        return schema, pa.ipc.new_file(os.path.join(self.tmp, name), schema)

    def _write_layout(self, image_ids, token_ids):
        t = self.meta["tokens"]
        if image_ids.shape != (t,):
            raise ValueError(f"image_ids has shape {image_ids.shape}, expected ({t},)")
        check_image_runs(image_ids, self.meta["tokens_per_image"])
        columns = [("position", pa.int32()), ("modality", pa.string()), ("image_index", pa.int32())]
        arrays = [pa.array(np.arange(t, dtype=np.int32)), pa.array(np.where(image_ids < 0, "text", "image")), pa.array(image_ids)]
        self._commit_layout(columns, arrays, token_ids)

    def _write_layout_v2(self, layout, token_ids):
        t = self.meta["tokens"]
        checked = check_layout_v2(layout, t)
        if int(self.meta["rope_axes"]) == 1:
            differ = np.flatnonzero((checked["rope_h"] != checked["rope_t"]) | (checked["rope_w"] != checked["rope_t"]))
            if differ.size:
                p = differ[0]
                raise ValueError(f"layout, token {p}: 1-D RoPE (rope_axes = 1) but positions ({checked['rope_t'][p]}, "
                                 f"{checked['rope_h'][p]}, {checked['rope_w'][p]}) differ")
        columns = [("position", pa.int32()), ("modality", pa.string())] + [(c, pa.int32()) for c in INDEX_COLUMNS + ROPE_COLUMNS]
        arrays = [pa.array(np.arange(t, dtype=np.int32)), pa.array(checked["modality"])]
        arrays += [pa.array(checked[c].astype(np.int32)) for c in INDEX_COLUMNS + ROPE_COLUMNS]
        self._commit_layout(columns, arrays, token_ids)

    def _commit_layout(self, columns, arrays, token_ids):
        if token_ids is not None:
            columns.append(("token_id", pa.int32()))
            arrays.append(pa.array(np.asarray(token_ids, dtype=np.int32)))
        schema = self._schema(LAYOUT, columns)
        with pa.ipc.new_file(os.path.join(self.tmp, LAYOUT), schema) as w:
            w.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))
        self.counts[LAYOUT] = [self.meta["tokens"], 1]

    def _vectors(self, rows):
        """(n, D) array of the cache dtype (from _cast) -> FixedSizeList<D>."""
        return pa.FixedSizeListArray.from_arrays(pa.array(rows.reshape(-1), type=self.arrow_type), self.dims)

    def _cast(self, rows, where, positions):
        """(n, D) in the cache dtype, contiguous; refuses a value that is NaN/Inf or overflows the cache dtype,
        naming `where`, the token (from positions (n,)) and the element."""
        rows = np.asarray(rows).reshape(len(positions), self.dims)
        with np.errstate(over="ignore"):   # an overflow is reported below, as an error naming the value
            cast = np.ascontiguousarray(rows, dtype=self.np_type)
        bad = np.argwhere(~np.isfinite(cast))
        if bad.size:
            row, element = (int(i) for i in bad[0])
            value = rows[row, element]
            cause = "NaN/Inf" if not np.isfinite(value) else f"overflows {self.meta['dtype']}"
            raise ValueError(f"{where}, token {positions[row]}, element {element}: {value} ({cause})")
        return cast

    def _batch(self, name, arrays):
        schema, writer = self.sinks[name]
        batch = pa.RecordBatch.from_arrays(arrays, schema=schema)
        writer.write_batch(batch)
        count = self.counts.setdefault(name, [0, 0])
        count[0] += batch.num_rows
        count[1] += 1

    def _write_integrity(self):
        """integrity.arrow: one row per data file (file, bytes, rows, batches, sha256), the trace's metadata plus the
        algorithm; written after every data file is closed, so the digests are of the committed bytes."""
        names = [n for n in DATA_FILES if n in self.counts]
        paths = [os.path.join(self.tmp, n) for n in names]
        metadata = schema_metadata(self.meta, INTEGRITY, self.version) | {INTEGRITY_ALGORITHM_KEY: INTEGRITY_ALGORITHM}
        schema = pa.schema([pa.field("file", pa.string()), pa.field("bytes", pa.int64()), pa.field("rows", pa.int64()),
                            pa.field("batches", pa.int32()), pa.field("sha256", pa.string())], metadata=metadata)
        arrays = [pa.array(names), pa.array([os.path.getsize(p) for p in paths], pa.int64()),
                  pa.array([self.counts[n][0] for n in names], pa.int64()), pa.array([self.counts[n][1] for n in names], pa.int32()),
                  pa.array([sha256_of(p) for p in paths])]
        with pa.ipc.new_file(os.path.join(self.tmp, INTEGRITY), schema) as w:
            w.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))

    def write_layer(self, layer, keys, values, attention, prefill_queries=None, probe_queries=None, probe_positions=None,
                    decode_keys=None, decode_values=None):
        """keys, values (Hkv, T, D); attention (Hq, T) column sums; prefill_queries (Hq, W, D) for the last W
        positions; probe_queries (Hq, P, D) at probe_positions (P,), default T, T+1, ...; with a decode part
        (meta decode_steps = S = P), decode_keys and decode_values (Hkv, S, D) of the generated tokens at T..T+S-1 (the
        probes' positions). Everything is checked before anything of the layer is written."""
        m, t, hq, hkv = self.meta, self.meta["tokens"], self.meta["query_heads"], self.meta["kv_heads"]
        if layer != self.next_layer:
            raise ValueError(f"got layer {layer}, expected layer {self.next_layer} (layers are written in order)")
        positions = np.arange(t, dtype=np.int32)
        queries = {}   # file -> (argument name, queries, positions)
        if m["prefill_queries"] > 0:
            queries[QUERIES] = ("prefill_queries", prefill_queries, np.arange(t - m["prefill_queries"], t, dtype=np.int32))
        if m["probes"] > 0:
            pos = np.arange(t, t + m["probes"], dtype=np.int32) if probe_positions is None else np.asarray(probe_positions, np.int32)
            if pos.shape != (m["probes"],) or pos[0] < t or (np.diff(pos) <= 0).any():
                raise ValueError(f"layer {layer}: probe_positions {pos.tolist()} must be {m['probes']} ascending positions >= {t}")
            queries[PROBES] = ("probe_queries", probe_queries, pos)
        expect = {"keys": (keys, (hkv, t, self.dims)), "values": (values, (hkv, t, self.dims)), "attention": (attention, (hq, t))}
        expect |= {arg: (q, (hq, len(pos), self.dims)) for arg, q, pos in queries.values()}
        steps = m["decode_steps"]
        if steps > 0:
            expect |= {"decode_keys": (decode_keys, (hkv, steps, self.dims)), "decode_values": (decode_values, (hkv, steps, self.dims))}
            if not np.array_equal(queries[PROBES][2], np.arange(t, t + steps)):
                raise ValueError(f"layer {layer}: probe_positions {queries[PROBES][2].tolist()} must be {t}..{t + steps - 1}: with a "
                                 "decode part the probes are the generated tokens' queries")
        elif decode_keys is not None or decode_values is not None:
            raise ValueError(f"layer {layer}: decode_keys / decode_values given but the metadata has no decode part (decode_steps = 0)")
        for name, (array, shape) in expect.items():
            if array is None or tuple(np.shape(array)) != shape:
                raise ValueError(f"layer {layer}: {name} has shape {None if array is None else np.shape(array)}, expected {shape}")
        kv = [(self._cast(keys[h], f"layer {layer}, kv head {h}, keys", positions),
               self._cast(values[h], f"layer {layer}, kv head {h}, values", positions)) for h in range(hkv)]
        attention = np.asarray(attention, np.float32)
        bad = np.argwhere(~np.isfinite(attention) | (attention < 0))
        if bad.size:
            h, token = (int(i) for i in bad[0])
            raise ValueError(f"layer {layer}, query head {h}, token {token}: accumulated attention {attention[h, token]} "
                             "is not a finite non-negative number")
        sums, tolerance = attention.astype(np.float64).sum(axis=1), attention_sum_tolerance(m["dtype"], t)
        off = np.flatnonzero(np.abs(sums - t) > tolerance)
        if off.size:
            raise ValueError(f"layer {layer}, query head {int(off[0])}: accumulated attention sums to {sums[off[0]]}, expected T = {t} "
                             f"within {tolerance} (each of the T causal softmax rows sums to 1; FORMAT.md)")
        decode_positions = np.arange(t, t + steps, dtype=np.int32)
        generated = [(self._cast(decode_keys[h], f"layer {layer}, kv head {h}, decode_keys", decode_positions),
                      self._cast(decode_values[h], f"layer {layer}, kv head {h}, decode_values", decode_positions))
                     for h in range(hkv)] if steps > 0 else []
        cast = {name: (np.concatenate([self._cast(np.asarray(q)[h], f"layer {layer}, query head {h}, {arg}", pos) for h in range(hq)]), pos)
                for name, (arg, q, pos) in queries.items()}

        for h, (k, v) in enumerate(kv):
            self._batch(KV, [pa.array(np.full(t, layer, np.int32)), pa.array(np.full(t, h, np.int32)), pa.array(positions),
                             self._vectors(k), self._vectors(v)])
        self._batch(ATTENTION, [pa.array(np.full(hq * t, layer, np.int32)), pa.array(np.repeat(np.arange(hq, dtype=np.int32), t)),
                                pa.array(np.tile(positions, hq)), pa.array(attention.reshape(-1))])
        for name, (rows, pos) in cast.items():
            n = len(pos)
            self._batch(name, [pa.array(np.full(hq * n, layer, np.int32)), pa.array(np.repeat(np.arange(hq, dtype=np.int32), n)),
                               pa.array(np.tile(pos, hq)), self._vectors(rows)])
        if generated:   # one batch per layer, rows ordered by (kv_head, position)
            self._batch(DECODE, [pa.array(np.full(hkv * steps, layer, np.int32)), pa.array(np.repeat(np.arange(hkv, dtype=np.int32), steps)),
                                 pa.array(np.tile(decode_positions, hkv)), self._vectors(np.concatenate([k for k, _ in generated])),
                                 self._vectors(np.concatenate([v for _, v in generated]))])
        self.next_layer += 1

    def close(self, commit=True):
        sinks, self.sinks = self.sinks, {}
        for _, writer in sinks.values():
            writer.close()
        if commit and self.next_layer == self.meta["layers"]:
            try:
                self._write_integrity()
            except BaseException:   # e.g. a full disk: nothing half-written is left behind
                shutil.rmtree(self.tmp, ignore_errors=True)
                raise
            if os.path.exists(self.path) and not self.overwrite:   # appeared while writing
                shutil.rmtree(self.tmp, ignore_errors=True)
                raise FileExistsError(f"{self.path}: appeared while the trace was written; refusing to overwrite it")
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
