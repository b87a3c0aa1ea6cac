import ArgumentParser
import Foundation

/// The composition root: reads flags and the environment, builds the engine, prints results.
@main
struct Folio: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "folio",
        abstract: "Embed whole documents with Qwen3-Embedding on the CPU.",
        subcommands: [EmbedCommand.self, TokenizeCommand.self, InspectCommand.self, EvalCommand.self, ServeCommand.self, KBCommand.self, BenchCommand.self])
}

/// Prints an error the way a user can act on it, with no stack trace, and exits non-zero.
func fail(_ error: any Error) -> ExitCode {
    let message = String(describing: error)
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    return ExitCode(1)
}
