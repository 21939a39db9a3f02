"""Misbehaving conform variants for the tests (test_conform.py, ConformCliTest): each must be reported, never a pass."""

import os
import time

import torch


def crash(keys, values, layout, observation, budget):
    """Kills the worker process on the first case."""
    os._exit(3)


def hang(keys, values, layout, observation, budget):
    """Never answers (the Java side's --timeout must kill it)."""
    time.sleep(3600)


def float_positions(keys, values, layout, observation, budget):
    """Kept positions as float32: malformed arrays."""
    return [torch.arange(keys.shape[1], dtype=torch.float32) for _ in range(keys.shape[0])]


def missing_head(keys, values, layout, observation, budget):
    """One row fewer than there are KV heads: malformed."""
    return [torch.arange(keys.shape[1]) for _ in range(keys.shape[0] - 1)]


def raises(keys, values, layout, observation, budget):
    """Raises on caches with an image token: a contract failure (shrunk), not a worker failure."""
    if bool(layout.is_image.any()):
        raise ValueError("image tokens are not supported")
    return [torch.arange(keys.shape[1]) if budget.covers_cache else torch.arange(keys.shape[1] - budget.heavy - budget.recent, keys.shape[1])
            for _ in range(keys.shape[0])]
