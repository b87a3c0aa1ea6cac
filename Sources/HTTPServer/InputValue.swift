/// An `input` field as OpenAI accepts it: a string, an array of strings, an array of token ids, or an
/// array of arrays of token ids. TEI's and Ollama's `input(s)` are the first two.
struct InputValue: Decodable, Sendable {
    let inputs: EmbeddingService.Inputs

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let text = try? c.decode(String.self) {
            inputs = .texts([text])
        } else if let texts = try? c.decode([String].self) {
            inputs = .texts(texts)
        } else if let ids = try? c.decode([Int32].self) {
            inputs = .tokens([ids])
        } else if let ids = try? c.decode([[Int32]].self) {
            inputs = .tokens(ids)
        } else {
            throw DecodingError.typeMismatch(InputValue.self, .init(
                codingPath: c.codingPath,
                debugDescription: "expected a string, an array of strings, an array of token ids or an array of arrays of token ids"))
        }
    }

    /// Only texts (TEI, Ollama).
    func texts(param: String) throws -> [String] {
        guard case let .texts(texts) = inputs else {
            throw APIError.invalidRequest("\(param) must be a string or an array of strings", param: param)
        }
        return texts
    }
}
