"""Seeded mutators: raw bytes, JSON trees, and the length and count fields of GGUF and safetensors headers (where a
reader's bounds checks live). Each takes a random.Random and the original bytes and returns (bytes, what it did).
"""
import json
import struct

INTERESTING_INTS = [0, 1, 2, 7, 8, 31, 32, 255, 256, 1023, 1024, 4096, 65535, 65536, 2**31 - 1, 2**31, 2**32 - 1,
                    2**32, 2**48, 2**63 - 1, 2**63, 2**64 - 1]


def byte_mutation(rng, data, header_bytes=None):
    """One to three raw edits; positions fall in the first `header_bytes` bytes most of the time when given."""
    data = bytearray(data)
    done = []

    def position(width=1):
        limit = len(data) - width
        if limit <= 0:
            return 0
        if header_bytes and rng.random() < 0.75:
            return rng.randrange(0, max(1, min(header_bytes, limit)))
        return rng.randrange(0, limit)

    for _ in range(rng.randint(1, 3)):
        if not data:
            data += b"\x00"
        op = rng.choice(["flip", "flip", "byte", "int32", "int64", "truncate", "delete", "duplicate", "insert"])
        if op == "flip":
            p = position()
            bit = rng.randrange(8)
            data[p] ^= 1 << bit
            done.append(f"flip bit {bit} at {p}")
        elif op == "byte":
            p = position()
            data[p] = rng.choice([0x00, 0xFF, 0x7F, 0x80, 0x01, rng.randrange(256)])
            done.append(f"byte at {p} = {data[p]:#x}")
        elif op in ("int32", "int64"):
            width = 4 if op == "int32" else 8
            p = position(width)
            value = rng.choice(INTERESTING_INTS) % (2 ** (8 * width))
            data[p:p + width] = value.to_bytes(width, "little")
            done.append(f"u{8 * width} at {p} = {value}")
        elif op == "truncate":
            n = rng.randrange(0, len(data))
            del data[n:]
            done.append(f"truncate to {n}")
        elif op == "delete":
            p = position()
            n = rng.randint(1, 64)
            del data[p:p + n]
            done.append(f"delete {n} at {p}")
        elif op == "duplicate":
            p = position()
            n = rng.randint(1, 256)
            data[p:p] = data[p:p + n]
            done.append(f"duplicate {n} at {p}")
        else:
            p = position()
            n = rng.randint(1, 32)
            data[p:p] = bytes(rng.randrange(256) for _ in range(n))
            done.append(f"insert {n} random at {p}")
    return bytes(data), "; ".join(done)


def hostile_value(rng):
    return rng.choice([
        None, True, False, -1, 0, 2**31, 2**63, -(2**63), 2**64, 1e308, -1e308, 1.5, "", "x" * rng.choice([1, 300, 70000]),
        "\ud800", "\ufeff", "\u0000", "é漢字🙂", [], {}, [[[[[[[[[[[]]]]]]]]]]], {"a": {"b": {"c": None}}},
        [0] * 2000, "[" * 50,
    ])


def json_paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from json_paths(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from json_paths(value, path + (i,))


def json_mutation(rng, tree, edits=None):
    """1 to 3 edits at random nodes: replace with a hostile value, delete, duplicate, or retype."""
    tree = json.loads(json.dumps(tree))
    done = []
    for _ in range(edits or rng.randint(1, 3)):
        paths = list(json_paths(tree))
        path = rng.choice(paths)
        if not path:
            tree = hostile_value(rng) if rng.random() < 0.2 else tree
            done.append("root" if not isinstance(tree, (dict, list)) else "root kept")
            continue
        parent = tree
        for key in path[:-1]:
            parent = parent[key]
        key = path[-1]
        op = rng.choice(["replace", "replace", "delete", "duplicate", "stringify"])
        if op == "replace":
            parent[key] = hostile_value(rng)
        elif op == "delete":
            del parent[key]
        elif op == "duplicate" and isinstance(parent, list):
            parent.insert(key, parent[key])
        elif op == "duplicate":
            parent[f"{key}_copy"] = parent[key]
        else:
            parent[key] = json.dumps(parent[key])[:100]
        done.append(f"{op} {'/'.join(map(str, path))[:80]}")
    return tree, "; ".join(done)


def json_bytes_mutation(rng, data):
    """A JSON document mutated as a tree (70%) or as bytes (30%)."""
    if rng.random() < 0.3:
        return byte_mutation(rng, data)
    tree, what = json_mutation(rng, json.loads(data))
    return json.dumps(tree, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass"), what


def gguf_fields(data):
    """(offset, width) of every integer in a GGUF header: counts, string and array lengths, value types, tensor
    dims, types and offsets. Stops quietly where the header stops parsing."""
    fields = []
    p = 4

    def u(width):
        nonlocal p
        value = int.from_bytes(data[p:p + width], "little")
        fields.append((p, width))
        p += width
        return value

    def string():
        nonlocal p
        n = u(8)
        p += n

    scalar = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}

    def value(kind):
        nonlocal p
        if kind in scalar:
            fields.append((p, scalar[kind]))
            p += scalar[kind]
        elif kind == 8:
            string()
        elif kind == 9:
            inner, count = u(4), u(8)
            for _ in range(min(count, 100000)):
                value(inner)
        else:
            raise ValueError(kind)

    try:
        u(4)
        tensors, kvs = u(8), u(8)
        for _ in range(kvs):
            string()
            value(u(4))
        for _ in range(tensors):
            string()
            dims = u(4)
            for _ in range(dims):
                u(8)
            u(4)
            u(8)
    except (ValueError, IndexError):
        pass
    return [(o, w) for o, w in fields if o + w <= len(data)], p


def poison_weights(rng, data, start):
    """1 to 4 aligned 4-byte words past `start` (the tensor data) set to NaN, infinity or a huge float: a reader or
    forward pass that lets them through gives non-finite vectors."""
    data = bytearray(data)
    done = []
    for _ in range(rng.randint(1, 4)):
        p = start + 4 * rng.randrange(max(1, (len(data) - start) // 4 - 1))
        value = rng.choice([b"\x00\x00\xc0\x7f", b"\x00\x00\x80\x7f", b"\x00\x00\x80\xff", b"\xff\xff\x7f\x7f", b"\xff\xff\xff\xff"])
        data[p:p + 4] = value
        done.append(f"weights at {p} = {value.hex()}")
    return bytes(data), "; ".join(done)


def gguf_mutation(rng, data):
    """Half the time one header integer set to an interesting value, a fifth poisoned weights, else raw edits
    biased to the header."""
    fields, header_end = gguf_fields(data)
    if rng.random() < 0.2:
        return poison_weights(rng, data, header_end + 64)
    if fields and rng.random() < 0.6:
        offset, width = rng.choice(fields)
        old = int.from_bytes(data[offset:offset + width], "little")
        value = rng.choice(INTERESTING_INTS + [old + 1, max(old - 1, 0), old * 2, old + 4096]) % (2 ** (8 * width))
        out = data[:offset] + value.to_bytes(width, "little") + data[offset + width:]
        return out, f"header field at {offset} (u{8 * width}) {old} -> {value}"
    return byte_mutation(rng, data, header_bytes=header_end)


def safetensors_mutation(rng, data):
    """The header length off by a little, the JSON header edited (dtype, shape, data_offsets), or raw edits."""
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    op = rng.choice(["length", "shape", "offsets", "dtype", "json", "bytes", "weights"])
    if op == "weights":
        return poison_weights(rng, data, 8 + n)
    if op == "length":
        delta = rng.choice([-8, -2, -1, 1, 2, 8, 2**40, -n])
        return struct.pack("<Q", max(n + delta, 0) % 2**64) + data[8:], f"header length {n} -> {n + delta}"
    if op == "bytes":
        return byte_mutation(rng, data, header_bytes=8 + n)
    names = [k for k in header if k != "__metadata__"]
    name = rng.choice(names)
    tensor = header[name]
    if op == "shape":
        shape = list(tensor["shape"])
        if shape and rng.random() < 0.7:
            i = rng.randrange(len(shape))
            shape[i] = rng.choice([0, 1, shape[i] + 1, shape[i] * 2, -1, 2**40])
        else:
            shape = rng.choice([[], shape + [1], shape[:-1]])
        tensor["shape"] = shape
        what = f"{name} shape -> {shape}"
    elif op == "offsets":
        start, end = tensor["data_offsets"]
        tensor["data_offsets"] = rng.choice([[end, start], [start, end + 4], [start + 2, end], [start, 2**62],
                                             [-4, end], [0, end - start]])
        what = f"{name} data_offsets -> {tensor['data_offsets']}"
    elif op == "dtype":
        tensor["dtype"] = rng.choice(["F16", "BF16", "I8", "U8", "F64", "I64", "BOOL", "F8_E4M3", "Q4", ""])
        what = f"{name} dtype -> {tensor['dtype']}"
    else:
        header, what = json_mutation(rng, header)
    body = json.dumps(header).encode()
    body += b" " * ((8 - len(body) % 8) % 8)
    return struct.pack("<Q", len(body)) + body + data[8 + n:], what


HTML_PIECES = [
    "<script>", "</script>", "<!--", "-->", "<![CDATA[", "<meta charset=\"gb2312\">", "<meta charset=\"x-unknown\">",
    "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=shift_jis\">", "&#xD800;", "&#99999999;", "&;",
    "&amp", "<", ">", "<title>", "</title>", "<style>", "<div " + "a=\"" + "x" * 5000 + "\">", "<div>" * 3000,
    "</div>" * 50, "\x00", "<?xml version=\"1.0\" encoding=\"utf-16\"?>", "<table><tr><td>", "<p>\u202e\ufeff</p>",
]


def html_mutation(rng, data):
    if rng.random() < 0.4:
        return byte_mutation(rng, data)
    text = data.decode("utf-8", "surrogateescape")
    done = []
    for _ in range(rng.randint(1, 4)):
        piece = rng.choice(HTML_PIECES + [bytes([rng.randrange(0x80, 0x100)]).decode("latin-1")])
        p = rng.randrange(0, len(text) + 1)
        text = text[:p] + piece + text[p:]
        done.append(f"insert {piece[:20]!r} at {p}")
    return text.encode("utf-8", "surrogateescape"), "; ".join(done)


def pdf_mutation(rng, data):
    """Raw edits, or a PDF number (startxref, /Length, /Count, an object number) changed."""
    import re
    numbers = [m for m in re.finditer(rb"(startxref\s+|/Length\s+|/Count\s+|/N\s+|\n)(\d+)", data)]
    if numbers and rng.random() < 0.5:
        m = rng.choice(numbers)
        old = int(m.group(2))
        new = rng.choice([0, 1, old + 1, max(old - 1, 0), old * 1000, 2**31, 2**63, 10**30])
        out = data[:m.start(2)] + str(new).encode() + data[m.end(2):]
        return out, f"number at {m.start(2)} {old} -> {new}"
    return byte_mutation(rng, data)
