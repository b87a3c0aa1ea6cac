import Foundation
import PackagePlugin

/// Compiles the web page (`Sources/HTTPServer/Page/*`) into `PageAssets.swift` at build time, so the `folio`
/// binary carries the page (no resource bundle beside it, no npm, no CDN) and the page exists once in the
/// repository. Every file in the folder is served; PageAssetsGenerator refuses a type it has no content type for.
@main
struct PageAssetsPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let page = target.directoryURL.appending(path: "Page")
        let names = try FileManager.default.contentsOfDirectory(atPath: page.path(percentEncoded: false))
            .filter { !$0.hasPrefix(".") }
            .sorted()
        let inputs = names.map { page.appending(path: $0) }
        let output = context.pluginWorkDirectoryURL.appending(path: "PageAssets.swift")
        return [
            .buildCommand(
                displayName: "Embedding the web page (\(names.joined(separator: ", "))) in \(target.name)",
                executable: try context.tool(named: "PageAssetsGenerator").url,
                arguments: [output.path(percentEncoded: false)] + inputs.map { $0.path(percentEncoded: false) },
                inputFiles: inputs,
                outputFiles: [output])
        ]
    }
}
