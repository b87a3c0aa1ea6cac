import Foundation

/// What a model path points at, decided from its contents rather than its name.
public enum ModelFormat: Sendable, Equatable {
    /// A single GGUF file (weights, hyperparameters and vocabulary together).
    case gguf(path: String)
    /// A Hugging Face folder: `config.json`, safetensors weights, `tokenizer.json`.
    case huggingFaceFolder(path: String)

    /// The path, whichever the format.
    public var path: String {
        switch self {
        case let .gguf(path), let .huggingFaceFolder(path): path
        }
    }

    /// A file whose first bytes are the GGUF magic, or a folder holding `config.json`.
    /// Throws `ModelFileError.notAModel` (listing what was looked for) or `.unreadable`.
    public static func detect(path: String) throws -> ModelFormat {
        let lookedFor = ["a file starting with the GGUF magic (a .gguf model)",
                         "a folder with config.json (a Hugging Face model)"]
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ModelFileError.unreadable(path: path, reason: "no such file or folder")
        }
        if isDirectory.boolValue {
            let config = URL(fileURLWithPath: path, isDirectory: true).appendingPathComponent("config.json").path
            guard FileManager.default.fileExists(atPath: config) else {
                throw ModelFileError.notAModel(path: path, lookedFor: lookedFor)
            }
            return .huggingFaceFolder(path: path)
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ModelFileError.unreadable(path: path, reason: "the file cannot be opened for reading")
        }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 4)) ?? Data()
        guard head == Data("GGUF".utf8) else { throw ModelFileError.notAModel(path: path, lookedFor: lookedFor) }
        return .gguf(path: path)
    }
}
