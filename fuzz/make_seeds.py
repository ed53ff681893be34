#!/usr/bin/env python3
"""Rebuild fuzz/corpus/seed/ from the repository's policies and data.

Policies: every examples/**/*.handover and tests/fixtures/**/*.handover of
at most 8 KiB. Facts: the facts objects of the acme conversations (whole
and per turn) plus hand-written edge cases. Conversations: the acme and
fixture conversation lines. Run from anywhere: python3 fuzz/make_seeds.py
"""
import glob, hashlib, json, os, random, shutil

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = os.path.join(ROOT, "fuzz", "corpus", "seed")


def put(target, data):
    d = os.path.join(SEED, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


shutil.rmtree(SEED, ignore_errors=True)

policies = sorted(
    p
    for pat in ("examples/**/*.handover", "tests/fixtures/**/*.handover")
    for p in glob.glob(os.path.join(ROOT, pat), recursive=True)
    if os.path.getsize(p) <= 8192
)
for p in policies:
    text = open(p, "rb").read()
    for t in ("parse", "fmt", "diff_self"):
        put(t, text)
# a multi-file policy for `parse` (NUL separates the files)
market = sorted(glob.glob(os.path.join(ROOT, "examples/marketplace/*.handover")))
put("parse", b"\0".join(open(p, "rb").read() for p in market))

facts = []
convs = []
for path in ("examples/acme/conversations.jsonl", "tests/fixtures/simulate/conversations.jsonl",
             "tests/fixtures/ide/acme/conversations.jsonl"):
    for line in open(os.path.join(ROOT, path), encoding="utf-8"):
        if not line.strip():
            continue
        convs.append(line.strip())
        try:
            c = json.loads(line)
        except ValueError:
            continue  # the fixtures hold deliberately broken lines too
        if not isinstance(c, dict):
            continue
        if isinstance(c.get("facts"), dict):
            facts.append(c["facts"])
            merged = dict(c["facts"])
            for t in c.get("turns") or []:
                merged.update(t.get("facts") or {})
            facts.append(merged)
facts += [
    {},
    {"category": "refund", "value": "vip", "sentiment": "angry", "confidence": 0.9},
    {"category": "legal", "risk": ["legal", "payment"], "repeat_contacts": 3.0},
    {"category": "billing", "confidence": None, "churn_signal": True, "message": "I will call my lawyer"},
    {"value": "gold"},
    {"repeat_contacts": 2.5},
    {"confidence": 1.5},
    {"risk": "legal"},
    {"risk": []},
    {"unknown": 1, "confidence": -0.0},
]
for f in facts:
    put("decide", json.dumps(f))
    put("decide", json.dumps({"id": "x", "facts": f}))
for c in convs:
    put("simulate", c)
put("simulate", json.dumps({"id": 1, "turns": []}))
put("simulate", json.dumps({"id": "a", "facts": {"category": "refund"},
                            "turns": [{"role": "agent", "facts": {"confidence": 0.1}}]}))

# the structured targets read their input through `arbitrary`: random bytes
rng = random.Random(7)
for t in ("decide_random", "lsp"):
    for n in (16, 64, 256, 1024):
        for _ in range(4):
            put(t, bytes(rng.randrange(256) for _ in range(n)))

for t in sorted(os.listdir(SEED)):
    print(t, len(os.listdir(os.path.join(SEED, t))))
