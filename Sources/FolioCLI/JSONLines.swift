import Foundation
import Tokenization

/// Errors in the JSON Lines files of `folio embed` and `folio tokenize`: the input read and the output written.
enum JSONLinesError: Error, CustomStringConvertible {
    case badLine(line: Int, reason: String)
    /// The `--input` file cannot be read.
    case unreadable(path: String, reason: String)
    /// The `--output` file cannot be created or opened for writing.
    case unwritable(path: String, reason: String)

    var description: String {
        switch self {
        case let .badLine(line, reason):
            "input line \(line): \(reason); expected a JSON string or an object with a \"text\" string"
        case let .unreadable(path, reason): "cannot read \(path): \(reason)"
        case let .unwritable(path, reason): "cannot write \(path): \(reason); check the folder exists and is writable"
        }
    }
}

/// Reads JSON Lines input: each line a JSON string or an object with `"text"`. Blank lines are skipped.
/// Invalid UTF-8 is replaced with U+FFFD and reported on standard error.
func readInputTexts(path: String?) throws -> [String] {
    let data: Data
    if let path {
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw JSONLinesError.unreadable(path: path, reason: error.localizedDescription)
        }
    } else {
        data = FileHandle.standardInput.readDataToEndOfFile()
    }
    let (text, replaced) = TextDecoding.decodeUTF8(data)
    if replaced {
        FileHandle.standardError.write(Data("warning: the input is not valid UTF-8; invalid bytes were replaced with U+FFFD\n".utf8))
    }
    var texts: [String] = []
    for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed == "\r" { continue }
        let value: Any
        do { value = try JSONSerialization.jsonObject(with: Data(trimmed.utf8), options: [.fragmentsAllowed]) } catch {
            throw JSONLinesError.badLine(line: n + 1, reason: "not valid JSON")
        }
        if let s = value as? String {
            texts.append(s)
        } else if let object = value as? [String: Any], let s = object["text"] as? String {
            texts.append(s)
        } else {
            throw JSONLinesError.badLine(line: n + 1, reason: "neither a string nor an object with \"text\"")
        }
    }
    return texts
}

/// Writes lines to a file or standard output, buffered.
final class LineWriter {
    private let handle: FileHandle
    private var buffer = Data()

    init(path: String?) throws {
        if let path {
            // open(2), not FileManager.createFile: on Linux that writes a temporary file and renames it over the path,
            // which replaces a symlink, a pipe or /dev/null itself with a regular file.
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else {
                throw JSONLinesError.unwritable(path: path, reason: String(cString: strerror(errno)))
            }
            handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        } else {
            handle = .standardOutput
        }
    }

    func write(_ line: String) {
        buffer.append(contentsOf: line.utf8)
        buffer.append(0x0A)
        if buffer.count > 1 << 20 { flush() }
    }

    func flush() {
        handle.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}

/// `[1,2,3]` without Foundation's JSON encoder (it is slow for long float arrays).
func jsonArray<T>(_ values: [T]) -> String {
    "[" + values.map { "\($0)" }.joined(separator: ",") + "]"
}
