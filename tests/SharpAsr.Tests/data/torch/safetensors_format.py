#!/usr/bin/python3
"""An independent, checked reader and writer of the safetensors format (python3-safetensors is not
in Debian 12), written from the format's specification and the Rust crate's writer:

  8-byte little-endian header length N | N bytes of JSON header, space-padded to a multiple of 8 |
  raw little-endian tensor data. Header: {"__metadata__": {str: str}, name: {"dtype", "shape",
  "data_offsets": [begin, end]}}; the writer lays tensors out by dtype (Rust Dtype order, descending)
  then by name and writes compact JSON.

Usage (run with Debian's /usr/bin/python3, which has torch):
  safetensors_format.py fixture OUT        write the fixture the C# reader must load exactly
  safetensors_format.py roundtrip IN OUT   parse IN with every check, print its tensors as JSON
                                           (values as int64; floats as the bits of their float64 value), write them again to OUT
"""
import json
import struct
import sys

import torch

# Rust's Dtype enum order (derive(Ord)); the writer sorts by it, widest alignment first.
DTYPES = [("BOOL", torch.bool), ("U8", torch.uint8), ("I8", torch.int8), ("I16", torch.int16),
          ("F16", torch.float16), ("BF16", torch.bfloat16), ("I32", torch.int32), ("F32", torch.float32),
          ("F64", torch.float64), ("I64", torch.int64)]
CODE = {t: c for c, t in DTYPES}
TYPE = dict(DTYPES)
RANK = {c: i for i, (c, _) in enumerate(DTYPES)}


def parse(blob):
    assert len(blob) >= 8, "shorter than the header length"
    (n,) = struct.unpack("<Q", blob[:8])
    assert 8 + n <= len(blob), "header runs past the end"
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()), "metadata must map str to str"
    data = blob[8 + n:]
    expected, tensors = 0, {}
    for name, info in sorted(header.items(), key=lambda kv: tuple(kv[1]["data_offsets"])):
        begin, end = info["data_offsets"]
        assert begin == expected, f"{name}: gap or overlap at {begin}, expected {expected}"
        dtype = TYPE[info["dtype"]]
        numel = 1
        for s in info["shape"]:
            numel *= s
        assert end - begin == numel * torch.empty(0, dtype=dtype).element_size(), f"{name}: size mismatch"
        raw = torch.frombuffer(bytearray(data[begin:end]), dtype=torch.uint8) if end > begin else torch.empty(0, dtype=torch.uint8)
        tensors[name] = raw.view(dtype).reshape(info["shape"])
        expected = end
    assert expected == len(data), f"data area has {len(data)} bytes, header describes {expected}"
    return tensors, metadata


def serialize(tensors, metadata=None):
    order = sorted(tensors.items(), key=lambda kv: (-RANK[CODE[kv[1].dtype]], kv[0]))
    header, offset, chunks = {}, 0, []
    if metadata:
        header["__metadata__"] = dict(sorted(metadata.items()))
    for name, t in order:
        raw = t.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
        header[name] = {"dtype": CODE[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        chunks.append(raw)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def fixture():
    """Known values in every dtype the C# reader must support, plus metadata and an empty tensor."""
    g = torch.Generator().manual_seed(7)
    return {
        "encoder.weight": torch.randn(3, 4, generator=g),
        "encoder.bias": torch.tensor([0.5, -1.25, 3.0e-8, 65504.0], dtype=torch.float32),
        "half": torch.tensor([[1.0, -2.5], [0.000061035156, 65504.0]], dtype=torch.float16),
        "brain": torch.tensor([1.0, -2.5, 3.140625, 1e30], dtype=torch.bfloat16),
        "double": torch.tensor([1.0 / 3.0, -1e-300, 2.0 ** 60], dtype=torch.float64),
        "steps": torch.tensor([0, -1, 2 ** 62, -(2 ** 62)], dtype=torch.int64),
        "lengths": torch.tensor([[7, -8, 2 ** 31 - 1]], dtype=torch.int32),
        "mask": torch.tensor([True, False, False, True, True]),
        "bytes": torch.tensor([0, 1, 127, 255], dtype=torch.uint8),
        "scalar": torch.tensor(2.75, dtype=torch.float32),
        "empty": torch.zeros(0, 3, dtype=torch.float32),
    }, {"format": "pt", "note": "made by safetensors_format.py \"fixture\""}


def main():
    if sys.argv[1] == "fixture":
        tensors, metadata = fixture()
        blob = serialize(tensors, metadata)
        back, meta = parse(blob)  # the writer's output passes the reader's checks and reads back exactly
        assert meta == metadata and all(torch.equal(back[k], v) for k, v in tensors.items())
        open(sys.argv[2], "wb").write(blob)
    elif sys.argv[1] == "roundtrip":
        blob = open(sys.argv[2], "rb").read()
        tensors, metadata = parse(blob)
        out = {k: {"dtype": CODE[t.dtype], "shape": list(t.shape),
                   "values": (t.double().view(torch.int64) if t.is_floating_point() else t.long()).reshape(-1).tolist()}
               for k, t in tensors.items()}
        print(json.dumps({"metadata": metadata, "tensors": out}))
        open(sys.argv[3], "wb").write(serialize(tensors, metadata))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
