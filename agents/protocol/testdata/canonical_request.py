#!/usr/bin/env python3
"""Independent implementation of the canonical request encoding (docs/protocol.md §3, "The canonical
request") and of keccak256, writing test vectors for agents/protocol/request.test.ts.

    python3 agents/protocol/testdata/canonical_request.py > agents/protocol/testdata/canonical_request.json

Standard library only. Each vector: the raw HTTP body text (odd key orders and whitespace on purpose),
its endpoint, the canonical bytes and their keccak256. `group` names a set of bodies that ask for the
same thing and must hash equal; different groups must hash differently.
"""
import json
import struct
import sys

# --- keccak256 (the original Keccak padding 0x01, not SHA3's 0x06) -----------------------------

_RC = [
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
    0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
]
_ROT = [[0, 36, 3, 41, 18], [1, 44, 10, 45, 2], [62, 6, 43, 15, 61], [28, 55, 25, 21, 56], [27, 20, 39, 8, 14]]
_M = (1 << 64) - 1


def _rol(v, n):
    return ((v << n) | (v >> (64 - n))) & _M if n else v


def _f(a):
    for rc in _RC:
        c = [a[x][0] ^ a[x][1] ^ a[x][2] ^ a[x][3] ^ a[x][4] for x in range(5)]
        d = [c[(x - 1) % 5] ^ _rol(c[(x + 1) % 5], 1) for x in range(5)]
        a = [[a[x][y] ^ d[x] for y in range(5)] for x in range(5)]
        b = [[0] * 5 for _ in range(5)]
        for x in range(5):
            for y in range(5):
                b[y][(2 * x + 3 * y) % 5] = _rol(a[x][y], _ROT[x][y])
        a = [[b[x][y] ^ ((~b[(x + 1) % 5][y]) & b[(x + 2) % 5][y]) for y in range(5)] for x in range(5)]
        a[0][0] ^= rc
    return a


def keccak256(data: bytes) -> bytes:
    rate = 136
    msg = bytearray(data) + b"\x01"
    while len(msg) % rate:
        msg.append(0)
    msg[-1] |= 0x80
    a = [[0] * 5 for _ in range(5)]
    for off in range(0, len(msg), rate):
        block = msg[off:off + rate]
        for i in range(rate // 8):
            x, y = i % 5, i // 5
            a[x][y] ^= int.from_bytes(block[8 * i:8 * i + 8], "little")
        a = _f(a)
    out = b"".join(a[i % 5][i // 5].to_bytes(8, "little") for i in range(4))
    return out


assert keccak256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"

# --- the canonical request ----------------------------------------------------------------------


def s(text: str) -> bytes:
    b = text.encode("utf-8")  # raises on lone surrogates, as the spec requires
    return struct.pack(">I", len(b)) + b


def canonical(endpoint: str, body: dict) -> bytes:
    out = bytearray([1, 1 if endpoint == "completion" else 2])
    out += s(body["model"])
    if endpoint == "completion":
        prompt = body["prompt"]
        out += s(prompt if isinstance(prompt, str) else prompt[0])
        max_tokens = body.get("max_tokens")
    else:
        msgs = body["messages"]
        out += struct.pack(">I", len(msgs))
        for m in msgs:
            content = m["content"]
            if not isinstance(content, str):
                content = "".join(part["text"] for part in content)
            out += s(m["role"]) + s(content)
        max_tokens = body.get("max_completion_tokens")
        if max_tokens is None:
            max_tokens = body.get("max_tokens")
    out += struct.pack(">I", max_tokens or 0)
    t = body.get("temperature")
    t = 1.0 if t is None else float(t)
    out += struct.pack(">d", 0.0 if t == 0 else t)
    p = body.get("top_p")
    out += struct.pack(">d", 1.0 if p is None else float(p))
    k = body.get("top_k")
    out += struct.pack(">I", k if k is not None and k > 0 else 0)
    seed = body.get("seed")
    out += struct.pack(">Bq", 0 if seed is None else 1, 0 if seed is None else seed)
    stop = body.get("stop")
    stops = [] if stop is None else [stop] if isinstance(stop, str) else stop
    stops = sorted(set(x.encode("utf-8") for x in stops))
    out += struct.pack(">I", len(stops))
    for x in stops:
        out += struct.pack(">I", len(x)) + x
    out += bytes([1 if body.get("ignore_eos") is True else 0])
    return bytes(out)


# (group, endpoint, raw body text)
CASES = [
    ("hello", "completion", '{"model":"tiny-lora-0007","prompt":"Hello","max_tokens":8}'),
    ("hello", "completion", '{ "max_tokens" : 8 ,\n  "prompt": ["Hello"], "model":"tiny-lora-0007", "temperature": 1.0, "top_p": 1, "stream": true}'),
    ("hello", "completion", '{"model":"tiny-lora-0007","prompt":"Hello","max_tokens":8,"top_k":-1,"seed":null,"stop":[],"ignore_eos":false,"n":1,"user":"alice"}'),
    ("hello-9", "completion", '{"model":"tiny-lora-0007","prompt":"Hello","max_tokens":9}'),
    ("hello-other-model", "completion", '{"model":"tiny-lora-0008","prompt":"Hello","max_tokens":8}'),
    ("hello-no-max", "completion", '{"model":"tiny-lora-0007","prompt":"Hello"}'),
    ("hello-greedy", "completion", '{"model":"tiny-lora-0007","prompt":"Hello","max_tokens":8,"temperature":0}'),
    ("hello-greedy", "completion", '{"model":"tiny-lora-0007","prompt":"Hello","max_tokens":8,"temperature":-0.0}'),
    ("hello-t07", "completion", '{"model":"tiny-lora-0007","prompt":"Hello","max_tokens":8,"temperature":0.7}'),
    ("hello-t07", "completion", '{"model":"tiny-lora-0007","prompt":"Hello","max_tokens":8,"temperature":0.70000}'),
    ("hello-tiny-t", "completion", '{"model":"tiny-lora-0007","prompt":"Hello","max_tokens":8,"temperature":1e-7}'),
    ("hello-stops", "completion", '{"model":"tiny-lora-0007","prompt":"Hello","max_tokens":8,"stop":["\\n","END","\\u00e9"]}'),
    ("hello-stops", "completion", '{"stop":["\\u00e9","END","\\n","END"],"model":"tiny-lora-0007","prompt":"Hello","max_tokens":8}'),
    ("hello-one-stop", "completion", '{"model":"tiny-lora-0007","prompt":"Hello","max_tokens":8,"stop":"END"}'),
    ("hello-one-stop", "completion", '{"model":"tiny-lora-0007","prompt":"Hello","max_tokens":8,"stop":["END"]}'),
    ("hello-seeded", "completion", '{"model":"tiny-lora-0007","prompt":"Hello","max_tokens":8,"seed":-42,"top_k":40,"top_p":0.9,"ignore_eos":true}'),
    ("hello-seed-0", "completion", '{"model":"tiny-lora-0007","prompt":"Hello","max_tokens":8,"seed":0}'),
    ("unicode", "completion", '{"model":"base","prompt":"na\\u00efve caf\\u00e9 \\ud83d\\ude00 \\u4e2d\\u6587"}'),
    ("chat", "chat", '{"model":"support-bot","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"hi"}]}'),
    ("chat", "chat", '{"messages":[{"content":"Be brief.","role":"system"},{"content":[{"type":"text","text":"h"},{"type":"text","text":"i"}],"role":"user"}],\n"model":"support-bot","stream":false}'),
    ("chat-max", "chat", '{"model":"support-bot","max_completion_tokens":32,"max_tokens":5,"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"hi"}]}'),
    ("chat-max", "chat", '{"model":"support-bot","max_tokens":32,"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"hi"}]}'),
    ("chat-roles", "chat", '{"model":"support-bot","messages":[{"role":"developer","content":"Be brief."},{"role":"user","content":"hi"}]}'),
    ("chat-split", "chat", '{"model":"support-bot","messages":[{"role":"system","content":"Be brief.hi"}]}'),
    ("completion-as-chat", "completion", '{"model":"support-bot","prompt":"hi"}'),
    ("chat-one", "chat", '{"model":"support-bot","messages":[{"role":"user","content":"hi"}]}'),
    ("empty-prompt", "completion", '{"model":"","prompt":""}'),
    # what agents/operator/server.test.ts sends through the openai client
    ("operator-hello", "completion", '{"model":"tiny-lora-0000","prompt":"Hello","max_tokens":8,"temperature":0}'),
    ("operator-chat", "chat", '{"model":"tiny-lora-0002","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"Hi there"}],"max_tokens":12,"temperature":0}'),
]


def main():
    vectors = []
    for group, endpoint, raw in CASES:
        body = json.loads(raw)
        enc = canonical(endpoint, body)
        vectors.append({
            "group": group,
            "endpoint": endpoint,
            "body": raw,
            "canonical": "0x" + enc.hex(),
            "requestHash": "0x" + keccak256(enc).hex(),
        })
    by_group = {}
    for v in vectors:
        by_group.setdefault(v["group"], set()).add(v["requestHash"])
    assert all(len(h) == 1 for h in by_group.values()), "a group hashes to more than one value"
    assert len({next(iter(h)) for h in by_group.values()}) == len(by_group), "two groups collide"
    json.dump({"generator": "agents/protocol/testdata/canonical_request.py", "vectors": vectors}, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
