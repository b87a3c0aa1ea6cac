/// Writes safetensors files from the format description (huggingface/safetensors README), for tests.
struct SafetensorsBuilder {
    struct Entry {
        var name: String
        var dtype: String
        var shape: [Int]
        var data: [UInt8]
        /// Replaces the computed `[begin, end]`; lets a test point outside the data.
        var offsetsOverride: [Int]? = nil
    }

    var entries: [Entry] = []
    var metadata: [String: String]? = ["format": "pt"]
    /// Replaces the computed JSON header text.
    var headerOverride: String? = nil
    /// Replaces the computed header length field.
    var headerLengthOverride: UInt64? = nil

    var header: String {
        var parts: [String] = []
        if let metadata {
            let fields = metadata.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\"\($0.value)\"" }
            parts.append("\"__metadata__\":{" + fields.joined(separator: ",") + "}")
        }
        var cursor = 0
        for e in entries {
            let offsets = e.offsetsOverride ?? [cursor, cursor + e.data.count]
            cursor += e.data.count
            let shape = e.shape.map(String.init).joined(separator: ",")
            parts.append("\"\(e.name)\":{\"dtype\":\"\(e.dtype)\",\"shape\":[\(shape)],"
                         + "\"data_offsets\":[\(offsets[0]),\(offsets[1])]}")
        }
        return "{" + parts.joined(separator: ",") + "}"
    }

    var bytes: [UInt8] {
        var json = Array((headerOverride ?? header).utf8)
        while json.count % 8 != 0 { json.append(0x20) }   // writers pad the header with spaces to 8 bytes
        var w = ByteWriter()
        w.u64(headerLengthOverride ?? UInt64(json.count))
        w.bytes += json
        for e in entries { w.bytes += e.data }
        return w.bytes
    }
}
