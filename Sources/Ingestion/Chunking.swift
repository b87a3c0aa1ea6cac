/// Counts a model's tokens in a piece of text: text tokens only, no special tokens.
///
/// Counts need not be additive (byte-level BPE may merge across the joint of two pieces), so the
/// chunker always verifies a packed chunk with one real count.
public protocol TokenCounter: Sendable {
    func tokenCount(_ text: Substring) -> Int
}

/// How long chunks may be, in the embedding model's tokens.
public struct ChunkingOptions: Sendable, Equatable {
    /// Longest chunk, 16...8192 (512).
    public var maxTokens: Int
    /// Tokens at the end of a chunk repeated at the start of the next one within a section;
    /// less than half of `maxTokens` (64).
    public var overlapTokens: Int

    public static let allowedMaxTokens = 16...8192

    /// Options that must be valid (programmer-supplied). Use `checked(maxTokens:overlapTokens:)` for user input.
    public init(maxTokens: Int = 512, overlapTokens: Int = 64) {
        precondition(Self.problem(maxTokens: maxTokens, overlapTokens: overlapTokens) == nil, "invalid chunking options")
        self.maxTokens = maxTokens
        self.overlapTokens = overlapTokens
    }

    /// Options from user input, or an error saying which range a value must lie in.
    public static func checked(maxTokens: Int, overlapTokens: Int) throws(ChunkingOptionsError) -> ChunkingOptions {
        if let problem = problem(maxTokens: maxTokens, overlapTokens: overlapTokens) {
            throw ChunkingOptionsError(description: problem)
        }
        return ChunkingOptions(maxTokens: maxTokens, overlapTokens: overlapTokens)
    }

    static func problem(maxTokens: Int, overlapTokens: Int) -> String? {
        if !allowedMaxTokens.contains(maxTokens) {
            return "maximum chunk length is \(maxTokens) tokens; it must be between 16 and 8192"
        }
        if overlapTokens < 0 || overlapTokens * 2 >= maxTokens {
            return "chunk overlap is \(overlapTokens) tokens; it must be at least 0 and less than half the maximum (\(maxTokens))"
        }
        return nil
    }
}

/// Chunking options out of range; the message gives the allowed range.
public struct ChunkingOptionsError: Error, Equatable, Sendable, CustomStringConvertible {
    public var description: String
}

/// A piece of a document small enough to embed.
public struct TextChunk: Sendable, Equatable {
    /// Exactly the document's text from `start` to `end`.
    public var text: String
    /// Unicode scalar offsets into `ExtractedDocument.text`, `[start, end)`.
    public var start: Int
    public var end: Int
    /// The PDF page holding `start`; nil for documents without pages.
    public var page: Int?
    /// Title of the innermost section holding `start`, if any.
    public var heading: String?
    /// `counter.tokenCount(text)`; never over `ChunkingOptions.maxTokens`.
    public var tokenCount: Int

    public init(text: String, start: Int, end: Int, page: Int?, heading: String? = nil, tokenCount: Int) {
        self.text = text
        self.start = start
        self.end = end
        self.page = page
        self.heading = heading
        self.tokenCount = tokenCount
    }
}
