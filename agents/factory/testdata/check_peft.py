#!/usr/bin/env python3
"""Reads the factory's PEFT adapter fixture (written by agents/factory/peft.ts) independently of the
TypeScript code and checks it against what PEFT's LoRA loader expects for a Llama model:

- adapter_config.json: peft_type LORA, task_type CAUSAL_LM, integer r > 0, numeric lora_alpha,
  target_modules a list of Llama projection names, bias "none", use_dora / use_rslora / fan_in_fan_out false,
  modules_to_save null (PEFT's LoraConfig fields and their defaults);
- adapter_model.safetensors, parsed by hand (8-byte LE header length, JSON header, raw bytes): every
  tensor F32, named base_model.model.model.layers.{i}.{self_attn|mlp}.{module}.lora_{A|B}.weight (the
  state-dict keys get_peft_model_state_dict writes for LlamaForCausalLM), lora_A [r, in], lora_B [out, r],
  in/out the Llama projection sizes from the base config, A and B paired, data offsets contiguous;
  __metadata__ {"format": "pt"} (what safetensors.torch.save_file writes and transformers checks).

It writes expected.json next to this script: the checks passed and, per module, the merged delta
s·B·A (numpy float64) summed and its first row, which the TypeScript test recomputes from its own reader.
Run from the repository root: python3 agents/factory/testdata/check_peft.py (outputs are committed).
"""
import json
import os
import re
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ADAPTER = os.path.join(HERE, "adapter")
BASE = json.load(open(os.path.join(HERE, "base_config.json")))

cfg = json.load(open(os.path.join(ADAPTER, "adapter_config.json")))
assert cfg["peft_type"] == "LORA", cfg["peft_type"]
assert cfg["task_type"] == "CAUSAL_LM"
assert isinstance(cfg["r"], int) and cfg["r"] > 0
assert isinstance(cfg["lora_alpha"], (int, float))
LLAMA = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}
assert isinstance(cfg["target_modules"], list) and set(cfg["target_modules"]) <= LLAMA
assert cfg["bias"] == "none"
for flag in ("use_dora", "use_rslora", "fan_in_fan_out"):
    assert cfg[flag] is False, flag
assert cfg["modules_to_save"] is None
assert cfg["lora_dropout"] == 0

raw = open(os.path.join(ADAPTER, "adapter_model.safetensors"), "rb").read()
(n,) = struct.unpack("<Q", raw[:8])
header = json.loads(raw[8 : 8 + n].decode("utf-8"))
data = raw[8 + n :]
assert header.pop("__metadata__") == {"format": "pt"}
H, I = BASE["hidden_size"], BASE["intermediate_size"]
heads, kv = BASE["num_attention_heads"], BASE.get("num_key_value_heads", BASE["num_attention_heads"])
hd = H // heads
io = {
    "q_proj": (H, heads * hd), "k_proj": (H, kv * hd), "v_proj": (H, kv * hd), "o_proj": (heads * hd, H),
    "gate_proj": (H, I), "up_proj": (H, I), "down_proj": (I, H),
}
KEY = re.compile(r"^base_model\.model\.model\.layers\.(\d+)\.(self_attn|mlp)\.(\w+_proj)\.lora_([AB])\.weight$")
r = cfg["r"]
scale = cfg["lora_alpha"] / r
spans = []
tensors = {}
for name, entry in header.items():
    m = KEY.match(name)
    assert m, name
    layer, block, module, ab = int(m[1]), m[2], m[3], m[4]
    assert layer < BASE["num_hidden_layers"]
    assert block == ("mlp" if module in ("gate_proj", "up_proj", "down_proj") else "self_attn")
    assert module in cfg["target_modules"], module
    assert entry["dtype"] == "F32"
    inF, outF = io[module]
    assert entry["shape"] == ([r, inF] if ab == "A" else [outF, r]), (name, entry["shape"])
    b, e = entry["data_offsets"]
    spans.append((b, e))
    tensors[name] = np.frombuffer(data[b:e], dtype="<f4").reshape(entry["shape"]).astype(np.float64)
spans.sort()
assert spans[0][0] == 0 and spans[-1][1] == len(data)
assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))

deltas = {}
for name in sorted(tensors):
    if not name.endswith("lora_A.weight"):
        continue
    prefix = name[: -len(".lora_A.weight")]
    A, B = tensors[name], tensors[prefix + ".lora_B.weight"]
    delta = scale * B @ A  # [out, in], torch's Linear weight layout
    deltas[prefix] = {"sum": float(delta.sum()), "row0": delta[0].tolist()}
assert len(deltas) == len(tensors) // 2

json.dump({"ok": True, "rank": r, "scale": scale, "deltas": deltas}, open(os.path.join(HERE, "expected.json"), "w"), indent=1)
print(f"ok: {len(deltas)} LoRA modules, r={r}, scale={scale}")
