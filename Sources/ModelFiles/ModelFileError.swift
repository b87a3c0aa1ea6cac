import FolioTensor

/// Why a model file could not be read.
///
/// Every message names the file, says what was expected and how to fix it. Bad files throw these;
/// nothing in ModelFiles crashes or allocates without bound on a crafted file.
public enum ModelFileError: Error, Equatable, CustomStringConvertible {
    /// The file is missing, unreadable, empty or cannot be mapped (from `StorageError`).
    case unreadable(path: String, reason: String)
    /// The first bytes are not the format's magic.
    case badMagic(path: String, expected: String, found: String)
    /// A GGUF version other than 2 or 3.
    case unsupportedVersion(path: String, version: UInt32)
    /// The file ends before a structure its header announces.
    case truncated(path: String, needed: Int, size: Int, hint: String)
    /// A count or length larger than any real model file holds (a crafted or corrupt file).
    case absurdCount(path: String, what: String, count: UInt64, limit: Int)
    /// A GGUF metadata value type id outside 0...12.
    case badValueType(path: String, key: String, typeID: UInt32)
    /// A GGUF tensor type id that `DType` does not cover.
    case unknownTensorType(path: String, tensor: String, typeID: UInt32)
    /// A tensor shape that is empty, too deep, overflows, or does not fill whole blocks.
    case badShape(path: String, tensor: String, shape: [UInt64], reason: String)
    /// A tensor's bytes lie (partly) outside the file's data section.
    case tensorOutOfBounds(path: String, tensor: String, start: UInt64, end: UInt64, size: Int)
    /// A tensor offset that is not a multiple of the file's alignment.
    case misalignedTensor(path: String, tensor: String, offset: UInt64, alignment: Int)
    /// `general.alignment` is zero, not a power of two, or not an integer.
    case badAlignment(path: String, value: String)
    /// Two tensors share a name.
    case duplicateTensor(path: String, name: String)
    /// Two metadata entries share a key.
    case duplicateKey(path: String, key: String)
    /// A tensor that the file (or folder) does not hold.
    case missingTensor(name: String, path: String)
    /// A header (safetensors JSON, index JSON) that does not have the expected structure.
    case badHeader(path: String, reason: String)
    /// A safetensors element type that Folio cannot use.
    case unsupportedDType(path: String, tensor: String, dtype: String)
    /// Neither a GGUF file nor a Hugging Face folder.
    case notAModel(path: String, lookedFor: [String])
    /// A GGUF data section that its tensors do not tile: tensors that overlap, or bytes past the last tensor (bytes
    /// inserted into the data, which shifts every later tensor, or a file appended to).
    case badDataSection(path: String, reason: String)

    /// Translates a FolioTensor mapping error into this layer's error.
    public init(_ error: StorageError) {
        switch error {
        case let .cannotOpen(path, reason): self = .unreadable(path: path, reason: reason)
        case let .cannotMap(path, reason): self = .unreadable(path: path, reason: "cannot memory-map: \(reason)")
        case let .empty(path): self = .unreadable(path: path, reason: "the file is empty (it may be a failed download)")
        }
    }

    /// What went wrong, in which file, and how to fix it.
    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            "cannot read \(path): \(reason); check that the path exists and is a readable model file"
        case let .badMagic(path, expected, found):
            "\(path) is not a \(expected) file: it starts with \(found); pass a .gguf file or a Hugging Face model folder"
        case let .unsupportedVersion(path, version):
            if version == 1 {
                "\(path) is GGUF version 1, which Folio does not read; expected version 2 or 3. "
                    + "Re-convert the model with a current llama.cpp convert_hf_to_gguf.py"
            } else if version > 0xFFFF {
                "\(path) has GGUF version \(version), expected 2 or 3; the file may be big-endian, "
                    + "which Folio does not read: convert it again for a little-endian machine"
            } else {
                "\(path) has GGUF version \(version), expected 2 or 3; this reader is older than the file"
            }
        case let .truncated(path, needed, size, hint):
            "\(path) is truncated: needs at least \(needed) bytes but has \(size); \(hint)"
        case let .absurdCount(path, what, count, limit):
            "\(path) declares \(count) \(what), more than the limit of \(limit); the file is corrupt or not a model file"
        case let .badValueType(path, key, typeID):
            "\(path): metadata \"\(key)\" has value type \(typeID), expected 0...12; the file is corrupt"
        case let .unknownTensorType(path, tensor, typeID):
            "\(path): tensor \"\(tensor)\" has GGML type \(typeID), which Folio does not read; supported: "
                + DType.allCases.map { "\($0) (\($0.rawValue))" }.joined(separator: ", ")
                + ". Re-quantize the model to one of these types"
        case let .badShape(path, tensor, shape, reason):
            "\(path): tensor \"\(tensor)\" has shape \(shape): \(reason); the file is corrupt"
        case let .tensorOutOfBounds(path, tensor, start, end, size):
            "\(path): tensor \"\(tensor)\" occupies bytes \(start)..<\(end) but the file has \(size) bytes; "
                + "the file is truncated or corrupt (re-download it)"
        case let .misalignedTensor(path, tensor, offset, alignment):
            "\(path): tensor \"\(tensor)\" starts at data offset \(offset), expected a multiple of \(alignment); the file is corrupt"
        case let .badAlignment(path, value):
            "\(path): general.alignment is \(value), expected a power of two stored as an unsigned integer; the file is corrupt"
        case let .duplicateTensor(path, name):
            "\(path) holds two tensors named \"\(name)\"; expected unique names, the file is corrupt"
        case let .duplicateKey(path, key):
            "\(path) holds two metadata entries \"\(key)\"; expected unique keys, the file is corrupt"
        case let .missingTensor(name, path):
            "\(path) has no tensor \"\(name)\"; the model file does not match the expected architecture or is incomplete"
        case let .badHeader(path, reason):
            "\(path) has a malformed header: \(reason); the file is corrupt or was not written by a "
                + "safetensors/Hugging Face tool (re-download or re-export it)"
        case let .unsupportedDType(path, tensor, dtype):
            "\(path): tensor \"\(tensor)\" has dtype \(dtype); Folio reads F32, F16 and BF16 safetensors. "
                + "Convert the weights (e.g. torch_dtype=bfloat16) or use a GGUF file"
        case let .notAModel(path, lookedFor):
            "\(path) is not a model Folio can load; looked for: " + lookedFor.joined(separator: "; ")
        case let .badDataSection(path, reason):
            "\(path) has a damaged tensor data section: \(reason); the file was altered after it was written "
                + "(re-download or re-convert it)"
        }
    }
}
