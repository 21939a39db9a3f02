"""Per-architecture knowledge the recorder needs (traces/FORMAT.md, version 2 layout): which model classes are supported,
and the modality, image / video / tile / frame index of every prompt token, derived from the processor's outputs and
the model's own feature packing. Everything else (keys, values, queries, attention, position ids) is captured the same
way for every architecture by record_trace.py.

Supported: LLaVA-1.5 (LlavaForConditionalGeneration), LLaVA-NeXT (LlavaNextForConditionalGeneration, AnyRes tiles +
base image + newline tokens), LLaVA-OneVision (LlavaOnevisionForConditionalGeneration, AnyRes images and pooled video
frames + newline), Qwen2-VL and Qwen2.5-VL (Qwen2VLForConditionalGeneration, Qwen2_5_VLForConditionalGeneration:
dynamic-resolution images, video in temporal patches, vision start/end tokens, 3-D M-RoPE).

Token classes (SPEC.md, modalities): `text` (prompt words), `image` and `video` (visual features), `special` (vision
start/end tokens, LLaVA's image_newline rows): structure tokens that belong to one image or video but carry no patch.
"""
import math

import numpy as np
import torch

TEXT, IMAGE, VIDEO, SPECIAL = "text", "image", "video", "special"
MODALITIES = (TEXT, IMAGE, VIDEO, SPECIAL)
NONE = -1                   # index stored where a token has no image / video / tile / frame
BASE_TILE = 0               # AnyRes: tile 0 is the base (downscaled whole) image, tiles 1.. the grid, row-major
QWEN_TEXT, QWEN_IMAGE, QWEN_VIDEO = 0, 1, 2   # the Qwen2-VL processor's mm_token_type_ids


class Layout:
    """Per-token layout arrays, each (T,): modality (str), image, video, tile and frame index (int32, NONE where none)."""

    def __init__(self, tokens):
        self.modality = np.full(tokens, TEXT, dtype=object)
        self.image = np.full(tokens, NONE, dtype=np.int32)
        self.video = np.full(tokens, NONE, dtype=np.int32)
        self.tile = np.full(tokens, NONE, dtype=np.int32)
        self.frame = np.full(tokens, NONE, dtype=np.int32)

    def columns(self):
        return {"modality": self.modality.astype(str), "image_index": self.image, "video_index": self.video,
                "tile_index": self.tile, "frame_index": self.frame}


def positions_of(input_ids, token_id):
    return np.flatnonzero(np.asarray(input_ids) == token_id)


def split_runs(positions, lengths, what):
    """Consecutive groups of `positions` of the given lengths (one per image / video, in order of appearance)."""
    if int(sum(lengths)) != len(positions):
        raise ValueError(f"{len(positions)} {what} tokens in the prompt, but the {what} features need {int(sum(lengths))} "
                         f"({list(map(int, lengths))}): one placeholder per {what}, expanded by the processor")
    out, start = [], 0
    for n in lengths:
        out.append(positions[start:start + int(n)])
        start += int(n)
    return out


class Adapter:
    """One architecture: `layout(model, inputs)` -> Layout; `forward_inputs(inputs)` -> the model's prefill kwargs."""
    name = "?"
    # processor outputs the model's forward takes
    forward_keys = ("input_ids", "attention_mask", "pixel_values")

    def forward_inputs(self, inputs):
        return {k: inputs[k] for k in self.forward_keys if k in inputs and inputs[k] is not None}

    def tokens_per_image(self, layout):
        """The v1 metadata value: tokens of every image when all are equal and there are no other visual tokens, else 0."""
        counts = [int((layout.image == i).sum()) for i in range(int(layout.image.max()) + 1)] if (layout.image >= 0).any() else []
        uniform = counts and len(set(counts)) == 1 and not (layout.video >= 0).any() and not (layout.modality == SPECIAL).any()
        return counts[0] if uniform else 0


class Llava(Adapter):
    """LLaVA-1.5: each <image> expands to a fixed number of image tokens (no special tokens)."""
    name = "llava"

    def layout(self, model, inputs):
        ids = inputs["input_ids"][0].cpu().numpy()
        lay = Layout(len(ids))
        images = int(inputs["pixel_values"].shape[0]) if inputs.get("pixel_values") is not None else 0
        where = positions_of(ids, image_token_id(model.config))
        if images == 0 or len(where) % images:
            raise ValueError(f"{len(where)} image tokens (id {image_token_id(model.config)}) for {images} image(s): the prompt "
                             "needs one <image> per image, and the processor must expand each one (transformers >= 4.48)")
        for i, run in enumerate(split_runs(where, [len(where) // images] * images, "image")):
            lay.modality[run], lay.image[run], lay.tile[run] = IMAGE, i, BASE_TILE
        return lay


def image_token_id(config):
    return config.image_token_id if getattr(config, "image_token_id", None) is not None else config.image_token_index


def video_token_id(config):
    return config.video_token_id if getattr(config, "video_token_id", None) is not None else config.video_token_index


class LlavaAnyRes(Adapter):
    """LLaVA-NeXT and LLaVA-OneVision. An image is its base view (tile 0) followed by the unpadded AnyRes grid of tiles,
    row by row, each row ended by an image_newline token (`special`); a single-view image is followed by one newline.
    Which token comes from which tile is read off the model's own `pack_image_features`, run on one-hot features (the
    tile number in the channels), so unpadding and OneVision's downscaling are the model's, not a re-implementation.
    OneVision video: every frame pooled to ceil(h/2) x ceil(w/2) tokens, then one newline for the whole video."""
    forward_keys = ("input_ids", "attention_mask", "pixel_values", "image_sizes", "pixel_values_videos", "batch_num_images")

    def __init__(self, onevision):
        self.onevision = onevision
        self.name = "llava-onevision" if onevision else "llava-next"

    def _tile_labels(self, model, inputs):
        """Per image: (n,) tile index per packed feature token, NONE for newline tokens."""
        from transformers.models.llava_next.modeling_llava_next import image_size_to_num_patches
        config, core = model.config, model.model
        sizes = inputs["image_sizes"]
        per_image = [image_size_to_num_patches(image_size=s, grid_pinpoints=config.image_grid_pinpoints,
                                               patch_size=config.vision_config.image_size) for s in sizes]
        if self.onevision and inputs.get("batch_num_images") is not None:   # several images in one prompt: base view only
            tiled = [n == 1 for n in inputs["batch_num_images"].tolist() for _ in range(n)]
            per_image = [p if t else 1 for p, t in zip(per_image, tiled)]
        side = config.vision_config.image_size // config.vision_config.patch_size
        extra = 1 if (not self.onevision and config.vision_feature_select_strategy == "full") else 0
        channels = max(per_image) + 1                                         # tiles 0..max-1, then the newline channel
        features = [torch.eye(channels)[:n].repeat_interleave(side * side + extra, dim=0).view(n, side * side + extra, channels)
                    for n in per_image]
        newline = torch.eye(channels)[channels - 1]
        if self.onevision:
            packed, _ = core.pack_image_features(features, sizes, image_newline=newline,
                                                 vision_aspect_ratio=config.vision_aspect_ratio)
        else:
            packed, _ = core.pack_image_features(features, sizes, config.vision_feature_select_strategy, image_newline=newline)
        labels = []
        for p in packed:
            tile = p.argmax(dim=-1).numpy().astype(np.int32)
            labels.append(np.where(tile == channels - 1, NONE, tile))
        return labels

    def layout(self, model, inputs):
        ids = inputs["input_ids"][0].cpu().numpy()
        lay = Layout(len(ids))
        if inputs.get("pixel_values") is not None:
            labels = self._tile_labels(model, inputs)
            for i, (run, tile) in enumerate(zip(split_runs(positions_of(ids, image_token_id(model.config)),
                                                           [len(t) for t in labels], "image"), labels)):
                lay.image[run], lay.tile[run] = i, tile
                lay.modality[run] = np.where(tile == NONE, SPECIAL, IMAGE)
        if inputs.get("pixel_values_videos") is not None:
            if not self.onevision:
                raise ValueError("LLaVA-NeXT has no video input (use LLaVA-OneVision or LLaVA-NeXT-Video)")
            side = model.config.vision_config.image_size // model.config.vision_config.patch_size
            pooled = math.ceil(side / 2) ** 2
            frames = [int(v.shape[0]) for v in inputs["pixel_values_videos"]]
            runs = split_runs(positions_of(ids, video_token_id(model.config)), [f * pooled + 1 for f in frames], "video")
            for v, run in enumerate(runs):
                lay.video[run] = v
                lay.modality[run[:-1]], lay.frame[run[:-1]] = VIDEO, np.arange(len(run) - 1) // pooled
                lay.modality[run[-1]] = SPECIAL
        return lay


class Qwen2VL(Adapter):
    """Qwen2-VL and Qwen2.5-VL: <|vision_start|> image or video tokens <|vision_end|>. An image of grid (1, h, w) patches
    gives h*w / merge^2 tokens (one tile); a video of grid (t, h, w) gives t frames (temporal patches) of h*w / merge^2
    tokens each, frame-major. Modality from the processor's mm_token_type_ids; the start/end tokens are `special` and
    belong to the image or video they enclose."""
    forward_keys = ("input_ids", "attention_mask", "pixel_values", "image_grid_thw", "pixel_values_videos",
                    "video_grid_thw", "mm_token_type_ids", "second_per_grid_ts")

    def __init__(self, version):
        self.name = version

    def layout(self, model, inputs):
        config = model.config
        ids = inputs["input_ids"][0].cpu().numpy()
        types = inputs["mm_token_type_ids"][0].cpu().numpy()
        merge = config.vision_config.spatial_merge_size ** 2
        lay = Layout(len(ids))
        for kind, modality, column, grid_key, token in ((QWEN_IMAGE, IMAGE, lay.image, "image_grid_thw", config.image_token_id),
                                                        (QWEN_VIDEO, VIDEO, lay.video, "video_grid_thw", config.video_token_id)):
            where = np.flatnonzero(types == kind)
            if not np.array_equal(where, positions_of(ids, token)):
                raise ValueError(f"the processor's mm_token_type_ids ({modality}) and the {modality} token ids disagree")
            grids = inputs.get(grid_key)
            grids = [] if grids is None else grids.tolist()
            for i, (run, (t, h, w)) in enumerate(zip(split_runs(where, [t * h * w // merge for t, h, w in grids], modality), grids)):
                column[run], lay.modality[run] = i, modality
                per_frame = h * w // merge
                if kind == QWEN_IMAGE:
                    lay.tile[run] = BASE_TILE
                else:
                    lay.frame[run] = np.arange(len(run)) // per_frame
                for marker, neighbour in ((run[0] - 1, config.vision_start_token_id), (run[-1] + 1, config.vision_end_token_id)):
                    if 0 <= marker < len(ids) and ids[marker] == neighbour:
                        column[marker], lay.modality[marker] = i, SPECIAL
        return lay


def adapter_for(model):
    """The adapter of a loaded model, by class name (imports nothing optional)."""
    name = type(model).__name__
    table = {"LlavaForConditionalGeneration": lambda: Llava(),
             "LlavaNextForConditionalGeneration": lambda: LlavaAnyRes(onevision=False),
             "LlavaOnevisionForConditionalGeneration": lambda: LlavaAnyRes(onevision=True),
             "Qwen2VLForConditionalGeneration": lambda: Qwen2VL("qwen2-vl"),
             "Qwen2_5_VLForConditionalGeneration": lambda: Qwen2VL("qwen2.5-vl")}
    if name not in table:
        raise ValueError(f"model class {name} is not supported; supported: {', '.join(table)}")
    return table[name]()
