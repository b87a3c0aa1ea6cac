import ArgumentParser
import Foundation

/// The composition root: reads flags and the environment, builds the engine, prints results.
@main
struct Folio: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "folio",
        abstract: "Embed whole documents with Qwen3-Embedding on the CPU.",
        subcommands: [
            EmbedCommand.self, TokenizeCommand.self, InspectCommand.self, EvalCommand.self, RerankCommand.self, ServeCommand.self,
            KBCommand.self, BenchCommand.self,
        ])
}
