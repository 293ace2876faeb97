#!/usr/bin/env python3
"""Writes the safetensors test files by hand, independently of the TypeScript reader and writer.

The format: 8-byte little-endian header length N, N bytes of UTF-8 JSON
({name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}), then the raw tensor
bytes, offsets relative to the end of the header. Values come from numpy (float16 rounding is
numpy's; bfloat16 is the top 16 bits of a float32, written from values exact in bfloat16).

Run from the repository root: python3 agents/operator/testdata/write_safetensors.py
It rewrites the .safetensors files and their expected-values JSON next to this script; the outputs
are committed, so tests need no Python.
"""
import json
import os
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def bf16_bytes(values):
    """float32 values that are exact in bfloat16 -> little-endian bfloat16 bytes."""
    f32 = np.asarray(values, dtype="<f4")
    bits = f32.view("<u4")
    assert np.all(bits & 0xFFFF == 0), "values must be exact in bfloat16"
    return (bits >> 16).astype("<u2").tobytes()


def raw(dtype, values):
    if dtype == "F32":
        return np.asarray(values, dtype="<f4").tobytes()
    if dtype == "F16":
        return np.asarray(values, dtype="<f2").tobytes()
    if dtype == "BF16":
        return bf16_bytes(values)
    if dtype == "I64":
        return np.asarray(values, dtype="<i8").tobytes()
    raise ValueError(dtype)


def expected(dtype, values):
    """What a correct reader must return, as float64 for JSON."""
    if dtype == "F16":
        return np.asarray(values, dtype="<f2").astype(np.float64).ravel().tolist()
    if dtype == "I64":
        return None
    return np.asarray(values, dtype="<f4").astype(np.float64).ravel().tolist()


def write(path, tensors, metadata=None, pad_header_to=8):
    """tensors: list of (name, dtype, shape, values) in the order their bytes are laid out."""
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    blobs = []
    offset = 0
    for name, dtype, shape, values in tensors:
        blob = raw(dtype, values)
        assert len(blob) == int(np.prod(shape)) * {"F32": 4, "F16": 2, "BF16": 2, "I64": 8}[dtype]
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((-len(text)) % pad_header_to)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
    return {
        name: {"dtype": dtype, "shape": list(shape), "values": expected(dtype, values)}
        for name, dtype, shape, values in tensors
    }


def mixed():
    """Every float dtype at non-zero, unaligned offsets (the reference writer does not align tensors)."""
    rng = np.random.default_rng(20261204)
    f16 = rng.uniform(-4, 4, size=(3,)).astype("<f2")  # 6 bytes: what follows starts unaligned
    f32 = rng.standard_normal((3, 4)).astype("<f4")
    bf16 = (rng.standard_normal((5,)).astype("<f4").view("<u4") & 0xFFFF0000).view("<f4")
    ints = np.arange(3, dtype="<i8")
    f32b = np.array([[1.5, -0.25], [3.0e-8, 65504.0]], dtype="<f4")
    tensors = [
        ("half", "F16", [3], f16),
        ("weight", "F32", [3, 4], f32),  # begins at byte 6
        ("bf", "BF16", [5], bf16),  # begins at byte 54
        ("ids", "I64", [3], ints),  # validated, not returned
        ("tail", "F32", [2, 2], f32b),
    ]
    exp = write(os.path.join(HERE, "mixed.safetensors"), tensors, metadata={"format": "pt", "writer": "numpy"})
    del exp["ids"]
    return exp


def peft_adapter(dtype, rank, alpha, seed, modules, extra_config=None):
    """A PEFT LoRA adapter for the tiny test model (hidden 32, intermediate 64, 2 layers)."""
    dims = {
        "q_proj": (32, 32),
        "k_proj": (32, 32),
        "v_proj": (32, 32),
        "o_proj": (32, 32),
        "gate_proj": (32, 64),
        "up_proj": (32, 64),
        "down_proj": (64, 32),
    }
    block = {m: ("mlp" if m in ("gate_proj", "up_proj", "down_proj") else "self_attn") for m in dims}
    rng = np.random.default_rng(seed)
    tensors = []
    for layer in range(2):
        for m in modules:
            fan_in, fan_out = dims[m]
            a = rng.uniform(-1, 1, size=(rank, fan_in)) / np.sqrt(fan_in)
            b = rng.uniform(-1, 1, size=(fan_out, rank)) * 0.5 / np.sqrt(rank)
            if dtype == "BF16":
                a = (a.astype("<f4").view("<u4") & 0xFFFF0000).view("<f4")
                b = (b.astype("<f4").view("<u4") & 0xFFFF0000).view("<f4")
            prefix = f"base_model.model.model.layers.{layer}.{block[m]}.{m}"
            tensors.append((f"{prefix}.lora_A.weight", dtype, [rank, fan_in], a))
            tensors.append((f"{prefix}.lora_B.weight", dtype, [fan_out, rank], b))
    tensors.sort(key=lambda t: t[0])  # the reference writer's order
    name = f"peft-{dtype.lower()}"
    folder = os.path.join(HERE, name)
    os.makedirs(folder, exist_ok=True)
    exp = write(os.path.join(folder, "adapter_model.safetensors"), tensors, metadata={"format": "pt"})
    config = {
        "peft_type": "LORA",
        "r": rank,
        "lora_alpha": alpha,
        "target_modules": modules,
        "bias": "none",
        "base_model_name_or_path": "tiny-llama",
    }
    config.update(extra_config or {})
    with open(os.path.join(folder, "adapter_config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    return name, {"config": config, "tensors": exp}


def half_vectors():
    """float32 -> float16 rounding by numpy (ties to even, overflow to inf, subnormals), for half.ts."""
    rng = np.random.default_rng(5)
    scales = np.float32(10) ** rng.integers(-9, 5, 200).astype(np.float32)
    edge = [0.0, -0.0, 65504, 65520, 65519.99, 1e-8, 6e-8, 5.96e-8, 2.98e-8, 2.9802322e-08, 3e-8, -1e5]
    edge += [np.inf, -np.inf, 1 / 3, 2049, 2051, 0.1]
    vals = np.concatenate([rng.standard_normal(200).astype(np.float32) * scales, np.array(edge, dtype=np.float32)])
    vals = vals.astype(np.float32)
    with np.errstate(over="ignore"):
        bits = vals.astype(np.float16).view(np.uint16)
    with open(os.path.join(HERE, "half.json"), "w") as f:
        json.dump({"f32_bits": vals.view(np.uint32).tolist(), "f16_bits": bits.tolist()}, f)
        f.write("\n")


def main():
    half_vectors()
    out = {"mixed.safetensors": mixed()}
    for args in [
        ("F32", 4, 8, 1, ["q_proj", "v_proj", "down_proj"]),
        ("F16", 8, 16, 2, ["k_proj", "o_proj", "gate_proj", "up_proj"]),
        ("BF16", 2, 8, 3, ["q_proj", "up_proj"], {"use_rslora": True}),
    ]:
        name, exp = peft_adapter(*args)
        out[name] = exp
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(out, f)
        f.write("\n")


if __name__ == "__main__":
    main()
