import ModelFiles
import Testing

@Suite("Model format detection")
struct ModelFormatTests {
    @Test("A file starting with GGUF is GGUF whatever its name")
    func ggufByMagic() throws {
        let dir = try TempDir()
        let path = try dir.write("model.bin", GGUFBuilder().bytes)
        #expect(try ModelFormat.detect(path: path) == .gguf(path: path))
    }

    @Test("A folder with config.json is a Hugging Face folder")
    func huggingFaceFolder() throws {
        let dir = try TempDir()
        try dir.write("config.json", Array("{}".utf8))
        #expect(try ModelFormat.detect(path: dir.url.path) == .huggingFaceFolder(path: dir.url.path))
    }

    @Test("Other files and folders throw notAModel listing what was looked for; missing paths throw unreadable")
    func notAModel() throws {
        let dir = try TempDir()
        let text = try dir.write("notes.txt", Array("hello".utf8))
        let tiny = try dir.write("tiny", Array("GG".utf8))
        for path in [text, tiny, dir.url.path] {
            do {
                _ = try ModelFormat.detect(path: path)
                Issue.record("\(path) detected")
            } catch let error as ModelFileError {
                guard case .notAModel(path, let lookedFor) = error else { Issue.record("\(error)"); continue }
                #expect(lookedFor.count == 2)
                #expect(error.description.contains("GGUF magic") && error.description.contains("config.json"))
            }
        }
        #expect(throws: ModelFileError.unreadable(path: dir.path("none"), reason: "no such file or folder")) {
            try ModelFormat.detect(path: dir.path("none"))
        }
    }

    @Test("Every error message names the file", arguments: [
        ModelFileError.unreadable(path: "/m/x", reason: "r"), .badMagic(path: "/m/x", expected: "GGUF", found: "f"),
        .unsupportedVersion(path: "/m/x", version: 1), .unsupportedVersion(path: "/m/x", version: 1 << 24),
        .truncated(path: "/m/x", needed: 9, size: 8, hint: "h"), .absurdCount(path: "/m/x", what: "w", count: 1, limit: 0),
        .badValueType(path: "/m/x", key: "k", typeID: 13), .unknownTensorType(path: "/m/x", tensor: "t", typeID: 99),
        .badShape(path: "/m/x", tensor: "t", shape: [0], reason: "r"),
        .tensorOutOfBounds(path: "/m/x", tensor: "t", start: 0, end: 1, size: 0),
        .misalignedTensor(path: "/m/x", tensor: "t", offset: 1, alignment: 32), .badAlignment(path: "/m/x", value: "3"),
        .duplicateTensor(path: "/m/x", name: "t"), .duplicateKey(path: "/m/x", key: "k"),
        .missingTensor(name: "t", path: "/m/x"), .badHeader(path: "/m/x", reason: "r"),
        .unsupportedDType(path: "/m/x", tensor: "t", dtype: "I64"), .notAModel(path: "/m/x", lookedFor: ["a"]),
    ])
    func messagesNameTheFile(error: ModelFileError) {
        #expect(error.description.contains("/m/x"))
        #expect(error.description.count > 40)
    }
}
