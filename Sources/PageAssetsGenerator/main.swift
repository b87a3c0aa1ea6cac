import Foundation

// Writes the Swift source of `enum PageAssets` (URL path -> content type and text) from the web page's files:
// `PageAssetsGenerator OUTPUT FILE...`. Run by Plugins/PageAssetsPlugin during the build; the output is
// never committed. `index.html` is served at `/`, every other file at `/NAME`.

/// Content types by file extension; a file of another type is an error, not a guess.
let contentTypes = [
    "html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8",
    "svg": "image/svg+xml", "json": "application/json",
]

/// `text` as the body of a one-line Swift string literal: byte-exact, whatever the text holds.
func swiftLiteralBody(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count + text.utf8.count / 16)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\\": out += "\\\\"
        case "\"": out += "\\\""
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20 || scalar.value == 0x7F:
            out += "\\u{" + String(scalar.value, radix: 16) + "}"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("PageAssetsGenerator: \(message)\n".utf8))
    exit(1)
}

let arguments = CommandLine.arguments.dropFirst()
guard let output = arguments.first, arguments.count > 1 else { fail("usage: PageAssetsGenerator OUTPUT FILE...") }

var entries: [String] = []
for path in arguments.dropFirst() {
    let url = URL(fileURLWithPath: path)
    let name = url.lastPathComponent
    guard let contentType = contentTypes[url.pathExtension.lowercased()] else {
        fail("\(path): no content type for .\(url.pathExtension) files; add one to contentTypes in \(#filePath)")
    }
    guard let data = FileManager.default.contents(atPath: path) else { fail("\(path) cannot be read") }
    guard let text = String(data: data, encoding: .utf8) else { fail("\(path) is not UTF-8 text") }
    let route = name == "index.html" ? "/" : "/" + name
    entries.append("        \"\(route)\": (\"\(contentType)\", \"\(swiftLiteralBody(text))\"),")
}

let source = """
    // Generated during the build by PageAssetsGenerator (Plugins/PageAssetsPlugin) from Sources/HTTPServer/Page.

    /// The web page's files by URL path: content type and text.
    enum PageAssets {
        static let files: [String: (contentType: String, body: String)] = [
    \(entries.joined(separator: "\n"))
        ]
    }

    """
do {
    try Data(source.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
} catch {
    fail("cannot write \(output): \(error)")
}
