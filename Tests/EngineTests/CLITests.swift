import Foundation
import Testing

/// The `folio` executable built beside the test bundle.
func folioExecutable() throws -> URL {
    var dir = Bundle.main.bundleURL
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("folio")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        dir.deleteLastPathComponent()
    }
    throw CLIError.notBuilt
}

enum CLIError: Error { case notBuilt }

/// Runs `folio` with `arguments`, feeding `stdin`, with `environment` added to this process's; returns exit status,
/// standard output and error.
func runFolio(_ arguments: [String], stdin: String = "", environment: [String: String] = [:]) throws
    -> (status: Int32, out: String, err: String)
{
    let process = Process()
    process.executableURL = try folioExecutable()
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let input = Pipe(), output = Pipe(), error = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = error
    try process.run()
    input.fileHandleForWriting.write(Data(stdin.utf8))
    try input.fileHandleForWriting.close()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
}

@Suite("The folio command line")
struct CLITests {
    struct Line: Decodable {
        let index: Int
        let tokens: Int
        let embedding: [Float]
    }

    static let cases = ["qwen3-tiny-gqa2", "qwen3-tiny-gqa4/qwen3-tiny-gqa4-q4_k_m.gguf"]

    @Test("folio embed writes JSON Lines that match the reference, with --dimensions and --instruction", arguments: cases)
    func embed(_ model: String) throws {
        let path = modelsFolder.appendingPathComponent(model).path
        let referencePath = path.hasSuffix(".gguf") ? path + ".reference.json" : path + "/reference.json"
        let reference = try Reference.load(URL(fileURLWithPath: referencePath))
        let minimum = path.hasSuffix(".gguf") ? 0.999 : 0.9999
        // Mixed line styles: JSON strings and {"text": ...} objects.
        let stdin = reference.inputs.enumerated().map { i, input in
            let s = String(decoding: try! JSONSerialization.data(withJSONObject: input.text, options: .fragmentsAllowed), as: UTF8.self)
            return i % 2 == 0 ? s : "{\"text\": \(s)}"
        }.joined(separator: "\n")

        func lines(_ extra: [String]) throws -> [Line] {
            let run = try runFolio(["embed", "--model", path] + extra, stdin: stdin)
            #expect(run.status == 0, "\(run.err)")
            return try run.out.split(separator: "\n").map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
        }
        let plain = try lines([])
        #expect(plain.map(\.index) == Array(reference.inputs.indices))
        for (line, input) in zip(plain, reference.inputs) {
            #expect(line.tokens == input.token_ids.count)
            #expect(cosine(line.embedding, input.embedding) >= minimum, "\(input.label)")
        }
        for (line, input) in zip(try lines(["--dimensions", "\(reference.dimensions)"]), reference.inputs) {
            #expect(cosine(line.embedding, input.embedding_dimensions!) >= minimum, "\(input.label)")
        }
        let queries = reference.queries.inputs
        let queryStdin = queries.map { String(decoding: try! JSONSerialization.data(withJSONObject: $0.text, options: .fragmentsAllowed), as: UTF8.self) }
            .joined(separator: "\n")
        let run = try runFolio(["embed", "--model", path, "--instruction", reference.queries.task], stdin: queryStdin)
        #expect(run.status == 0, "\(run.err)")
        let queryLines = try run.out.split(separator: "\n").map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
        for (line, query) in zip(queryLines, queries) {
            #expect(cosine(line.embedding, query.embedding) >= minimum, "query \(query.label)")
        }
    }

    @Test("folio embed reports a bad input line by number and exits non-zero")
    func badLine() throws {
        let path = modelsFolder.appendingPathComponent("qwen3-tiny-gqa2").path
        let run = try runFolio(["embed", "--model", path], stdin: "\"fine\"\n{\"txt\": 1}\n")
        #expect(run.status != 0)
        #expect(run.err.contains("line 2"))
        #expect(run.out.isEmpty)
    }

    @Test("Invalid UTF-8 in an input file is replaced, reported, and still embedded")
    func invalidUTF8() throws {
        let path = modelsFolder.appendingPathComponent("qwen3-tiny-gqa2").path
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("folio-utf8-\(UUID().uuidString).jsonl")
        try Data([0x22, 0x63, 0x61, 0x66, 0xE9, 0x22, 0x0A]).write(to: file)  // "caf\xE9"
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try runFolio(["embed", "--model", path, "--input", file.path])
        #expect(run.status == 0, "\(run.err)")
        #expect(run.err.contains("not valid UTF-8"))
        let line = try JSONDecoder().decode(Line.self, from: Data(run.out.utf8))
        let expected = try runFolio(["embed", "--model", path], stdin: "\"caf\u{FFFD}\"\n")
        #expect(line.embedding == (try JSONDecoder().decode(Line.self, from: Data(expected.out.utf8))).embedding)
    }

    @Test("--output writes through the path given: a symlink (like /dev/null, a device) is written to, not replaced")
    func outputThroughSymlink() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("folio-out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("target.jsonl"), link = folder.appendingPathComponent("link.jsonl")
        try Data("old\n".utf8).write(to: target)
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
        let run = try runFolio(["embed", "--model", modelsFolder.appendingPathComponent("qwen3-tiny-gqa2").path, "--output", link.path],
                               stdin: "\"hello\"\n")
        #expect(run.status == 0, "\(run.err)")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link.path)) != nil, "the symlink was replaced")
        let written = try String(contentsOf: target, encoding: .utf8)
        #expect(written.hasPrefix("{\"index\":0") && !written.contains("old"))
    }

    @Test("folio embed on a missing model says so without a stack trace")
    func missingModel() throws {
        let run = try runFolio(["embed", "--model", "/nonexistent/model.gguf"], stdin: "\"x\"\n")
        #expect(run.status != 0)
        #expect(run.err.hasPrefix("error: "))
        #expect(!run.err.contains("Fatal error"))
    }

    @Test("Every command that takes a model resolves a Hugging Face repo id through the cache, as the README promises")
    func repoIDsResolved() throws {
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("folio-hf-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: cache) }
        // An empty cache and no network: each command must look the id up in the cache and say it is not there,
        // not try to open "owner/repo" as a file.
        let offline = ["HF_HUB_OFFLINE": "1", "HF_HOME": cache.path]
        let repo = "folio-test/absent-model-GGUF:Q8_0"
        // eval reads its dataset before the model, so it gets a real one.
        let dataset = try EvalCommandTests.selfRetrievalSet()
        defer { try? FileManager.default.removeItem(at: dataset) }
        for arguments in [
            ["embed", "--model", repo], ["tokenize", "--model", repo], ["inspect", repo],
            ["bench", "--model", repo], ["eval", "--model", repo, "--dataset", dataset.path],
        ] {
            let run = try runFolio(arguments, stdin: "\"x\"\n", environment: offline)
            #expect(run.status == 1, "\(arguments[0]): \(run.err)")
            #expect(run.err.contains("not in the Hugging Face cache"), "\(arguments[0]): \(run.err)")
        }
    }

    @Test("--threads below 1 is refused as a usage error by every command that takes it")
    func threadsRefused() throws {
        let path = modelsFolder.appendingPathComponent("qwen3-tiny-gqa2").path
        for arguments in [["embed", "--model", path], ["bench", "--model", path], ["kb", "search", "c", "q"]] {
            let run = try runFolio(arguments + ["--threads", "0"], stdin: "\"x\"\n")
            #expect(run.status == 64, "\(arguments): \(run.err)")
            #expect(run.err.contains("--threads must be at least 1"), "\(arguments): \(run.err)")
        }
    }

    @Test("An --output file that cannot be created is reported as unwritable, not unreadable")
    func unwritableOutput() throws {
        let path = modelsFolder.appendingPathComponent("qwen3-tiny-gqa2").path
        let run = try runFolio(["embed", "--model", path, "--output", "/nonexistent-folder/out.jsonl"], stdin: "\"x\"\n")
        #expect(run.status == 1)
        #expect(run.err.hasPrefix("error: cannot write /nonexistent-folder/out.jsonl"), "\(run.err)")
    }

    @Test("folio tokenize gives the model's ids, and --raw gives ids without special tokens")
    func tokenize() throws {
        let path = modelsFolder.appendingPathComponent("qwen3-tiny-gqa2").path
        let reference = try Reference.load(URL(fileURLWithPath: path + "/reference.json"))
        let input = reference.inputs[0]
        let stdin = String(decoding: try JSONSerialization.data(withJSONObject: input.text, options: .fragmentsAllowed), as: UTF8.self)
        struct Ids: Decodable { let index: Int; let ids: [Int32] }
        let run = try runFolio(["tokenize", "--model", path], stdin: stdin)
        #expect(run.status == 0, "\(run.err)")
        #expect(try JSONDecoder().decode(Ids.self, from: Data(run.out.utf8)).ids == input.token_ids)
        let raw = try runFolio(["tokenize", "--model", path, "--raw"], stdin: stdin)
        #expect(try JSONDecoder().decode(Ids.self, from: Data(raw.out.utf8)).ids == Array(input.token_ids.dropLast()))
    }

    @Test("folio inspect --json describes the architecture and tensor types")
    func inspect() throws {
        let path = modelsFolder.appendingPathComponent("qwen3-tiny-gqa4/qwen3-tiny-gqa4-q4_k_m.gguf").path
        let run = try runFolio(["inspect", path, "--json"])
        #expect(run.status == 0, "\(run.err)")
        let object = try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as! [String: Any]
        #expect(object["architecture"] as? String == "qwen3")
        #expect(object["hiddenSize"] as? Int == 256)
        #expect(object["keyValueHeads"] as? Int == 2)
        let types = object["tensorTypes"] as? [String: Int]
        #expect(types?["Q4_K"] == 12)
        #expect(types?["Q6_K"] == 3)
        #expect(types?["F32"] == 9)
    }
}
