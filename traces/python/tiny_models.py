"""Tiny randomly initialised Qwen2-VL, Qwen2.5-VL, LLaVA-OneVision and LLaVA-NeXT models with their real processors,
built without any download: what test_record_adapters.py records from. Each language model has 2 layers, 4 query heads
over 2 KV heads (GQA), head dim 16.

Videos: the transformers video processors need torchvision, which has no build for this torch here, so `FramesQwen`
and `FramesOnevision` stand in for them: they turn (F, H, W, 3) uint8 frames into the pixel tensors the model takes
(Qwen: patches in the temporal-patch / merge-window order of Qwen2VLImageProcessor; OneVision: normalised frames).
Only the pixel preparation is replaced: the real processor expands the video placeholders (replace_video_token) and
builds mm_token_type_ids, which is what the layout checks compare against.
"""
import numpy as np
import torch

WORDS = ["<unk>", "<s>", "</s>", "USER:", "ASSISTANT:", "what", "is", "this", "and", "?", "a", "video"]
SPECIAL_BASE = 100                   # ids of the multimodal special tokens
LAYERS, QUERY_HEADS, KV_HEADS, HIDDEN = 2, 4, 2, 64
HEAD_DIM = HIDDEN // QUERY_HEADS
INIT_RANGE = 0.2                     # wider than the 0.02 default, so that attention is peaked
VOCAB = 128
QWEN_PATCH, QWEN_MERGE, QWEN_TEMPORAL = 8, 2, 2
QWEN_MROPE_SECTION = [2, 3, 3]       # pairs of rotary dims per (t, h, w) axis: sums to HEAD_DIM / 2
OV_IMAGE, OV_PATCH = 16, 4           # SigLIP tower: 16x16 pixels in 4x4 patches, 16 tokens per view
OV_PINPOINTS = [[16, 16], [16, 32], [32, 16], [32, 32]]
NEXT_IMAGE, NEXT_PATCH = 16, 4       # CLIP tower for LLaVA-NeXT ('default' strategy drops CLS: 16 tokens per view)
MEAN, STD = 0.5, 0.5
VIDEO_FPS = 2.0                      # frames per second the stand-in reports (Qwen2.5-VL spaces temporal RoPE by it)


def tokenizer(special):
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast
    vocab = {w: i for i, w in enumerate(WORDS)} | {s: SPECIAL_BASE + i for i, s in enumerate(special)}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok.add_special_tokens(special)
    return PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", bos_token="<s>", eos_token="</s>")


def _batch(data):
    from transformers import BatchFeature
    return BatchFeature(data)


class FramesQwen:
    """Stand-in for Qwen2VLVideoProcessor (see the module doc): (F, H, W, 3) uint8 -> pixel_values_videos and grid."""
    merge_size, patch_size, temporal_patch_size = QWEN_MERGE, QWEN_PATCH, QWEN_TEMPORAL

    def __call__(self, videos, **_):
        from transformers.video_utils import VideoMetadata
        pixels, grids, metadata = [], [], []
        p, m, tp = self.patch_size, self.merge_size, self.temporal_patch_size
        for v in videos:
            x = (np.asarray(v, np.float32) / 255.0 - MEAN) / STD
            f, h, w, c = x.shape
            gt, gh, gw = f // tp, h // p, w // p
            x = x.transpose(0, 3, 1, 2).reshape(gt, tp, c, gh // m, m, p, gw // m, m, p)
            pixels.append(x.transpose(0, 3, 6, 4, 7, 2, 1, 5, 8).reshape(gt * gh * gw, c * tp * p * p))
            grids.append([gt, gh, gw])
            metadata.append(VideoMetadata(total_num_frames=f, fps=VIDEO_FPS, frames_indices=list(range(f))))
        return _batch({"pixel_values_videos": torch.tensor(np.concatenate(pixels)), "video_grid_thw": torch.tensor(grids),
                       "video_metadata": metadata})


class FramesOnevision:
    """Stand-in for LlavaOnevisionVideoProcessor (see the module doc): frames already at the tower's size."""

    def __call__(self, videos, **_):
        frames = [(np.asarray(v, np.float32).transpose(0, 3, 1, 2) / 255.0 - MEAN) / STD for v in videos]
        return _batch({"pixel_values_videos": torch.tensor(np.stack(frames))})


def _accept_video_stand_in(processor_class):
    class Processor(processor_class):
        def check_argument_for_proper_class(self, name, arg):
            return type(arg) if name == "video_processor" else super().check_argument_for_proper_class(name, arg)
    Processor.__name__ = processor_class.__name__
    return Processor


def qwen2_vl(version="qwen2-vl", seed=0):
    """(model, processor) of a tiny Qwen2-VL (version 'qwen2-vl') or Qwen2.5-VL ('qwen2.5-vl')."""
    from transformers import Qwen2VLImageProcessor, Qwen2VLProcessor
    special = ["<|vision_start|>", "<|vision_end|>", "<|image_pad|>", "<|video_pad|>"]
    text = dict(vocab_size=VOCAB, hidden_size=HIDDEN, intermediate_size=128, num_hidden_layers=LAYERS,
                num_attention_heads=QUERY_HEADS, num_key_value_heads=KV_HEADS, max_position_embeddings=4096,
                initializer_range=INIT_RANGE,
                rope_parameters={"rope_type": "default", "mrope_section": QWEN_MROPE_SECTION, "rope_theta": 10000.0})
    ids = dict(image_token_id=SPECIAL_BASE + 2, video_token_id=SPECIAL_BASE + 3, vision_start_token_id=SPECIAL_BASE,
               vision_end_token_id=SPECIAL_BASE + 1)
    if version == "qwen2-vl":
        from transformers import Qwen2VLConfig as Config, Qwen2VLForConditionalGeneration as Model
        vision = dict(depth=2, embed_dim=32, hidden_size=HIDDEN, num_heads=4, patch_size=QWEN_PATCH,
                      spatial_merge_size=QWEN_MERGE, temporal_patch_size=QWEN_TEMPORAL, mlp_ratio=2)
    else:
        from transformers import Qwen2_5_VLConfig as Config, Qwen2_5_VLForConditionalGeneration as Model
        vision = dict(depth=2, hidden_size=32, out_hidden_size=HIDDEN, intermediate_size=64, num_heads=4,
                      patch_size=QWEN_PATCH, spatial_merge_size=QWEN_MERGE, temporal_patch_size=QWEN_TEMPORAL,
                      window_size=32, fullatt_block_indexes=[1])
    config = Config(text_config=text, vision_config=vision, **ids)
    torch.manual_seed(seed)
    model = Model._from_config(config).eval()
    size = {"shortest_edge": 16 * 16, "longest_edge": 64 * 64}
    images = Qwen2VLImageProcessor(size=size, patch_size=QWEN_PATCH, merge_size=QWEN_MERGE,
                                   temporal_patch_size=QWEN_TEMPORAL, image_mean=[MEAN] * 3, image_std=[STD] * 3)
    processor_class = Qwen2VLProcessor
    if version != "qwen2-vl":
        from transformers import Qwen2_5_VLProcessor as processor_class
    processor = _accept_video_stand_in(processor_class)(image_processor=images, tokenizer=tokenizer(special),
                                                         video_processor=FramesQwen())
    return model, processor


def llava_onevision(seed=0):
    """(model, processor) of a tiny LLaVA-OneVision: SigLIP tower, Qwen2 language model, AnyRes grid up to 2 x 2."""
    from transformers import LlavaOnevisionConfig, LlavaOnevisionForConditionalGeneration, LlavaOnevisionProcessor
    from transformers.models.llava_onevision.image_processing_pil_llava_onevision import LlavaOnevisionImageProcessorPil
    config = LlavaOnevisionConfig(
        vision_config=dict(model_type="siglip_vision_model", hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                           num_attention_heads=4, image_size=OV_IMAGE, patch_size=OV_PATCH),
        text_config=dict(model_type="qwen2", vocab_size=VOCAB, hidden_size=HIDDEN, intermediate_size=128,
                         num_hidden_layers=LAYERS, num_attention_heads=QUERY_HEADS, num_key_value_heads=KV_HEADS,
                         max_position_embeddings=4096, initializer_range=INIT_RANGE),
        image_token_index=SPECIAL_BASE, video_token_index=SPECIAL_BASE + 1, image_grid_pinpoints=OV_PINPOINTS,
        vision_feature_select_strategy="full", vision_feature_layer=-1)
    torch.manual_seed(seed)
    model = LlavaOnevisionForConditionalGeneration._from_config(config).eval()
    images = LlavaOnevisionImageProcessorPil(size={"height": OV_IMAGE, "width": OV_IMAGE}, image_grid_pinpoints=OV_PINPOINTS,
                                             image_mean=[MEAN] * 3, image_std=[STD] * 3)
    processor = _accept_video_stand_in(LlavaOnevisionProcessor)(
        image_processor=images, tokenizer=tokenizer(["<image>", "<video>"]), video_processor=FramesOnevision(),
        num_image_tokens=(OV_IMAGE // OV_PATCH) ** 2, vision_feature_select_strategy="full")
    return model, processor


def llava_next(seed=0):
    """(model, processor) of a tiny LLaVA-NeXT: CLIP tower ('default': CLS dropped), LLaMA language model, AnyRes."""
    from transformers import LlavaNextConfig, LlavaNextForConditionalGeneration, LlavaNextProcessor
    from transformers.models.llava_next.image_processing_pil_llava_next import LlavaNextImageProcessorPil
    config = LlavaNextConfig(
        vision_config=dict(model_type="clip_vision_model", hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                           num_attention_heads=4, image_size=NEXT_IMAGE, patch_size=NEXT_PATCH, projection_dim=32),
        text_config=dict(model_type="llama", vocab_size=VOCAB, hidden_size=HIDDEN, intermediate_size=128,
                         num_hidden_layers=LAYERS, num_attention_heads=QUERY_HEADS, num_key_value_heads=KV_HEADS,
                         max_position_embeddings=4096, initializer_range=INIT_RANGE),
        image_token_index=SPECIAL_BASE, image_grid_pinpoints=OV_PINPOINTS, vision_feature_select_strategy="default",
        vision_feature_layer=-1)
    torch.manual_seed(seed)
    model = LlavaNextForConditionalGeneration._from_config(config).eval()
    images = LlavaNextImageProcessorPil(size={"shortest_edge": NEXT_IMAGE}, crop_size={"height": NEXT_IMAGE, "width": NEXT_IMAGE},
                                        image_grid_pinpoints=OV_PINPOINTS, image_mean=[MEAN] * 3, image_std=[STD] * 3)
    processor = LlavaNextProcessor(image_processor=images, tokenizer=tokenizer(["<image>"]), patch_size=NEXT_PATCH,
                                   vision_feature_select_strategy="default", num_additional_image_tokens=1)
    return model, processor


def image(height, width, seed=0):
    from PIL import Image
    return Image.fromarray((np.random.default_rng(seed).random((height, width, 3)) * 255).astype(np.uint8))


def video(frames, height, width, seed=1):
    return (np.random.default_rng(seed).random((frames, height, width, 3)) * 255).astype(np.uint8)
