"""A tiny randomly initialised LLaVA-1.5 (CLIP vision tower, LLaMA language model with GQA) and a matching
LlavaProcessor built without any download: what test_record_trace.py and make_pyarrow_fixture.py record from.

Two language-model layers, 4 query heads over 2 KV heads, head dim 16; 24x24-pixel images in 6x6 patches, so each
<image> becomes 16 image tokens (the CLS token is dropped, LLaVA-1.5's 'default' feature strategy).
"""
import numpy as np
import torch

IMAGE_TOKEN = 100                   # the image token id of the tiny vocabulary
IMAGE, PATCH = 24, 6                # 24x24 pixels in 6x6 patches: 16 tokens per image (CLS dropped, 'default')
PATCHES = (IMAGE // PATCH) ** 2
LAYERS, QUERY_HEADS, KV_HEADS, HIDDEN = 2, 4, 2, 64
HEAD_DIM = HIDDEN // QUERY_HEADS
INIT_RANGE = 0.2                    # wider than the 0.02 default, so that attention is peaked, not nearly uniform
WORDS = ["<unk>", "<s>", "</s>", "USER:", "ASSISTANT:", "what", "is", "this", "and", "?"]


def tiny_llava(rope_parameters=None, seed=0):
    from transformers import CLIPVisionConfig, LlamaConfig, LlavaConfig, LlavaForConditionalGeneration
    vision = CLIPVisionConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                              image_size=IMAGE, patch_size=PATCH, projection_dim=32)
    text_args = dict(vocab_size=128, hidden_size=HIDDEN, intermediate_size=128, num_hidden_layers=LAYERS,
                     num_attention_heads=QUERY_HEADS, num_key_value_heads=KV_HEADS, max_position_embeddings=256,
                     initializer_range=INIT_RANGE)
    if rope_parameters is not None:
        text_args["rope_parameters"] = rope_parameters
    config = LlavaConfig(vision_config=vision, text_config=LlamaConfig(**text_args), image_token_index=IMAGE_TOKEN,
                         vision_feature_layer=-1, vision_feature_select_strategy="default")
    torch.manual_seed(seed)
    return LlavaForConditionalGeneration._from_config(config, attn_implementation="eager").eval()


def tiny_processor():
    """A LlavaProcessor over a whitespace word-level tokenizer whose '<image>' is the image token id."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import CLIPImageProcessor, LlavaProcessor, PreTrainedTokenizerFast
    vocab = {w: i for i, w in enumerate(WORDS)} | {"<image>": IMAGE_TOKEN}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok.add_special_tokens(["<image>"])
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", bos_token="<s>", eos_token="</s>")
    images = CLIPImageProcessor(size={"shortest_edge": IMAGE}, crop_size={"height": IMAGE, "width": IMAGE})
    return LlavaProcessor(image_processor=images, tokenizer=tokenizer, patch_size=PATCH,
                          vision_feature_select_strategy="default", num_additional_image_tokens=1)


def images(count, size=(30, 40)):
    """`count` reproducible random RGB images (PIL), of another size than the model's so the processor resizes."""
    from PIL import Image
    return [Image.fromarray((np.random.default_rng(seed).random((*size, 3)) * 255).astype(np.uint8)) for seed in range(count)]


def save(directory):
    """Writes the model and its processor to `directory`, loadable with from_pretrained (and record_trace.py --model)."""
    tiny_llava().save_pretrained(directory)
    tiny_processor().save_pretrained(directory)
