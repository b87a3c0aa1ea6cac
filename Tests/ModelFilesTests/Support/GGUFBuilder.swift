import ModelFiles

/// Writes GGUF files byte by byte from the spec (ggml docs/gguf.md), for tests.
///
/// Knobs let tests corrupt one field at a time; `marks` records where each section starts so a
/// test can truncate inside it.
struct GGUFBuilder {
    struct TensorSpec {
        var name: String
        var ne: [UInt64]        // innermost first, as GGUF stores it
        var typeID: UInt32
        var data: [UInt8]
        var offsetOverride: UInt64? = nil
    }

    /// Byte positions of the sections in the last `build()`.
    /// `lastTensorEnd` is where the last tensor's bytes stop (before the trailing padding).
    struct Marks { var metadata = 0, tensorInfos = 0, tensorInfosEnd = 0, data = 0, lastTensorEnd = 0, end = 0 }

    var magic: [UInt8] = Array("GGUF".utf8)
    var version: UInt32 = 3
    var metadata: [(String, GGUFValue)] = []
    var tensors: [TensorSpec] = []
    /// Alignment used for padding; write `general.alignment` into `metadata` yourself to change it.
    var alignment = 32
    var tensorCountOverride: UInt64? = nil

    func build() -> (bytes: [UInt8], marks: Marks) {
        var w = ByteWriter()
        var marks = Marks()
        w.bytes.append(contentsOf: magic)
        w.u32(version)
        w.u64(tensorCountOverride ?? UInt64(tensors.count))
        w.u64(UInt64(metadata.count))
        marks.metadata = w.bytes.count
        for (key, value) in metadata {
            w.string(key)
            w.u32(value.type.rawValue)
            w.value(value)
        }
        marks.tensorInfos = w.bytes.count
        // Offsets: each tensor's data starts at the next multiple of `alignment`.
        var offsets: [UInt64] = []
        var cursor = 0
        for t in tensors {
            offsets.append(UInt64(cursor))
            cursor += t.data.count
            cursor = (cursor + alignment - 1) / alignment * alignment
        }
        for (t, offset) in zip(tensors, offsets) {
            w.string(t.name)
            w.u32(UInt32(t.ne.count))
            for d in t.ne { w.u64(d) }
            w.u32(t.typeID)
            w.u64(t.offsetOverride ?? offset)
        }
        marks.tensorInfosEnd = w.bytes.count
        w.pad(to: alignment)
        marks.data = w.bytes.count
        for t in tensors {
            w.bytes.append(contentsOf: t.data)
            marks.lastTensorEnd = w.bytes.count
            w.pad(to: alignment)
        }
        marks.end = w.bytes.count
        return (w.bytes, marks)
    }

    var bytes: [UInt8] { build().bytes }
}
