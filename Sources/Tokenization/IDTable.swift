/// Id → token text and text → id for a model vocabulary plus its added tokens (an added token may reuse a
/// vocabulary id). Shared by every tokenizer model so the bounds checks live in one place.
struct IDTable {
    /// [V]: the text of each id; nil for ids no token uses.
    let tokens: [String?]
    let ids: [String: Int32]

    init(vocabulary: [String: Int32], added: [AddedToken], source: String) throws {
        try self.init(pieces: vocabulary.map { ($0.key, $0.value) }, added: added, source: source)
    }

    /// From (text, id) pairs: a vocabulary whose texts a `[String: Int32]` would merge (Swift compares
    /// strings by canonical equivalence) keeps every id's own text. `ids` then holds one of each such group.
    init(pieces vocabulary: [(String, Int32)], added: [AddedToken], source: String) throws {
        var maxID: Int32 = -1
        for (_, id) in vocabulary { maxID = max(maxID, id) }
        for t in added { maxID = max(maxID, t.id) }
        let size = Int(maxID) + 1
        if size > TokenizerLimits.maxVocabularySize {
            throw TokenizerError.idOutOfRange(path: source, token: "(largest id)", id: Int(maxID),
                                              vocabularySize: TokenizerLimits.maxVocabularySize)
        }
        var tokens = [String?](repeating: nil, count: size)
        for (text, id) in vocabulary {
            if id < 0 { throw TokenizerError.idOutOfRange(path: source, token: text, id: Int(id), vocabularySize: size) }
            if let other = tokens[Int(id)], other != text {
                throw TokenizerError.duplicateToken(path: source, token: text, id: Int(id))
            }
            tokens[Int(id)] = text
        }
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(vocabulary.count + added.count)
        for (text, id) in vocabulary { ids[text] = id }
        for t in added {
            if t.id < 0 { throw TokenizerError.idOutOfRange(path: source, token: t.content, id: Int(t.id), vocabularySize: size) }
            tokens[Int(t.id)] = t.content
            ids[t.content] = t.id
        }
        self.tokens = tokens
        self.ids = ids
    }
}
