import ArgumentParser
import Foundation

/// Runs a command's body and reports its errors the one way the CLI does. Errors ArgumentParser reports
/// itself pass through: a `ValidationError` (a bad flag: the message and the usage, exit 64) and an
/// `ExitCode` the command chose. Every other error, typed by the layer that threw it, is printed as
/// `error: <description>` with no stack trace, and the command exits 1.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ValidationError {
        throw error
    } catch let error as ExitCode {
        throw error
    } catch {
        FileHandle.standardError.write(Data("error: \(String(describing: error))\n".utf8))
        throw ExitCode(1)
    }
}

/// `--meta KEY=VALUE` pairs as a dictionary; a later pair wins over an earlier one with the same key.
/// The value may be empty or hold `=`; the key may not be empty, since no document could be stored or
/// filtered under it.
func parseMetadata(_ pairs: [String]) throws -> [String: String] {
    var metadata: [String: String] = [:]
    for pair in pairs {
        guard let eq = pair.firstIndex(of: "=") else {
            throw ValidationError("--meta \(pair) is not KEY=VALUE")
        }
        guard eq != pair.startIndex else {
            throw ValidationError("--meta \(pair) has an empty key; write KEY=VALUE, e.g. --meta author=Ada")
        }
        metadata[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
    }
    return metadata
}
