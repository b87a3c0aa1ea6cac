import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs a command-line tool on a hostile file: in a subprocess, under `prlimit` caps on memory, CPU
/// time and output size when `prlimit` exists, with a wall-clock timeout (SIGTERM, then SIGKILL).
/// Output goes to files in a private temporary folder, so a full pipe can never stall the tool.
struct ToolRunner {
    struct Result {
        var status: Int32
        var signalled: Bool
        var stdout: Data
        var stderr: String
    }

    var timeoutSeconds: Int
    var memoryBytes: Int
    var outputBytes: Int

    /// The first executable `name` on PATH or in the usual system folders.
    static func locate(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/bin", "/bin", "/usr/local/bin", "/opt/homebrew/bin"]
        return folders.map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `tool arguments` where `inputPlaceholder` in `arguments` is replaced by the path of a
    /// private copy of `input`. Throws `.extractionTimedOut` past the timeout.
    func run(tool: String, arguments: [String], input: Data) throws(IngestionError) -> Result {
        guard let executable = ToolRunner.locate(tool) else { throw .toolMissing(tool) }
        let fm = FileManager.default
        let folder = fm.temporaryDirectory.appendingPathComponent("folio-ingest-\(UUID().uuidString)")
        do {
            try fm.createDirectory(at: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .corrupt(reason: "could not create a temporary folder for \(tool) (\(error.localizedDescription))")
        }
        defer { try? fm.removeItem(at: folder) }
        let inputURL = folder.appendingPathComponent("input")
        let outURL = folder.appendingPathComponent("stdout")
        let errURL = folder.appendingPathComponent("stderr")
        guard fm.createFile(atPath: inputURL.path, contents: input, attributes: [.posixPermissions: 0o600]),
            fm.createFile(atPath: outURL.path, contents: nil), fm.createFile(atPath: errURL.path, contents: nil),
            let outHandle = FileHandle(forWritingAtPath: outURL.path),
            let errHandle = FileHandle(forWritingAtPath: errURL.path)
        else { throw .corrupt(reason: "could not write a temporary copy for \(tool)") }
        defer {
            try? outHandle.close()
            try? errHandle.close()
        }

        let toolArguments = arguments.map { $0 == ToolRunner.inputPlaceholder ? inputURL.path : $0 }
        let process = Process()
        if let prlimit = ToolRunner.locate("prlimit") {
            process.executableURL = URL(fileURLWithPath: prlimit)
            process.arguments = [
                "--as=\(memoryBytes)", "--cpu=\(max(1, timeoutSeconds))", "--fsize=\(outputBytes)", "--core=0", "--",
                executable,
            ] + toolArguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = toolArguments
        }
        process.currentDirectoryURL = folder
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = outHandle
        process.standardError = errHandle
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        do { try process.run() } catch { throw .toolMissing(tool) }

        if done.wait(timeout: .now() + .seconds(timeoutSeconds)) == .timedOut {
            process.terminate()
            if done.wait(timeout: .now() + .seconds(2)) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                done.wait()
            }
            throw .extractionTimedOut(seconds: timeoutSeconds)
        }
        let stdout = (try? Data(contentsOf: outURL)) ?? Data()
        let stderr = String(decoding: ((try? Data(contentsOf: errURL)) ?? Data()).prefix(4096), as: UTF8.self)
        return Result(
            status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
            stdout: stdout, stderr: stderr)
    }

    /// Stands for the input file's path in `run(tool:arguments:input:)`.
    static let inputPlaceholder = "{input}"
}
