import Foundation

/// Bounds that keep a crafted file from exhausting memory.
enum TokenizerLimits {
    /// Largest id + 1 accepted (the id table is dense). Real vocabularies stay under 300,000.
    static let maxVocabularySize = 4_000_000
}

/// Reads the parts of a Hugging Face tokenizer.json that Folio implements. Hugging Face field names
/// stay in this file; everything past it uses Swift types.
struct TokenizerJSON {
    let path: String
    let root: [String: Any]
    /// The file's bytes, for readers that need exact key bytes (`rawVocabulary()`).
    let data: Data

    /// Reads and parses the file. With `leavingOutModelTables`, `model.vocab` and `model.merges` are parsed
    /// as empty (read them with `rawVocabulary()` / `rawMerges()`): Foundation takes about a second on
    /// Gemma's 262,144 pieces and 514,906 merges, the byte scanner a tenth of that.
    init(url: URL, leavingOutModelTables: Bool = false) throws {
        path = url.path
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TokenizerError.unreadable(path: path, reason: error.localizedDescription)
        }
        let parsed = leavingOutModelTables ? ((try? Self.withoutModelTables(data, path: path)) ?? data) : data
        guard let object = try? JSONSerialization.jsonObject(with: parsed), let root = object as? [String: Any] else {
            throw TokenizerError.malformed(path: path, field: "(file)", expected: "a JSON object",
                                           hint: "The file is not valid JSON; it may be a partial download or an HTML error page.")
        }
        self.root = root
        self.data = data
    }

    func malformed(_ field: String, _ expected: String, _ hint: String = "Re-download tokenizer.json.") -> TokenizerError {
        .malformed(path: path, field: field, expected: expected, hint: hint)
    }

    var model: [String: Any] { get throws {
        guard let m = root["model"] as? [String: Any] else { throw malformed("model", "an object with a `type` and a `vocab`") }
        return m
    } }

    var modelType: String { get throws {
        let m = try model
        if let t = m["type"] as? String { return t }
        // Old files omit the type; infer it from the fields present.
        if m["merges"] != nil { return "BPE" }
        if m["continuing_subword_prefix"] != nil || m["max_input_chars_per_word"] != nil { return "WordPiece" }
        if m["unk_id"] != nil { return "Unigram" }
        throw malformed("model.type", "\"BPE\", \"WordPiece\" or \"Unigram\"")
    } }

    /// `model`, after checking that its type is the one the calling loader implements ("BPE", "WordPiece").
    func model(ofType expected: String) throws -> [String: Any] {
        let type = try modelType
        guard type == expected else { throw TokenizerError.unsupportedModel(path: path, type: type) }
        return try model
    }

    func vocabulary() throws -> [String: Int32] {
        guard let v = try model["vocab"] as? [String: Any] else {
            throw malformed("model.vocab", "an object mapping token text to id")
        }
        var out: [String: Int32] = [:]
        out.reserveCapacity(v.count)
        for (token, value) in v {
            guard let n = value as? NSNumber, let id = Int32(exactly: n.doubleValue) else {
                throw malformed("model.vocab[\"\(token)\"]", "an integer id")
            }
            if id < 0 || Int(id) >= TokenizerLimits.maxVocabularySize { throw TokenizerError.idOutOfRange(path: path, token: token, id: Int(id), vocabularySize: v.count) }
            out[token] = id
        }
        return out
    }

    /// Merges in either form Hugging Face writes: `["a b", …]` (older) or `[["a", "b"], …]` (0.20+).
    func merges() throws -> [(String, String)] {
        guard let list = try model["merges"] as? [Any] else {
            throw TokenizerError.missingMerges(path: path, hint: "model.merges is absent; a BPE tokenizer.json must list its merges.")
        }
        var out: [(String, String)] = []
        out.reserveCapacity(list.count)
        for (i, item) in list.enumerated() {
            if let s = item as? String {
                let parts = s.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw malformed("model.merges[\(i)]", "two tokens separated by one space, got \"\(s)\"") }
                out.append((String(parts[0]), String(parts[1])))
            } else if let pair = item as? [Any], pair.count == 2, let a = pair[0] as? String, let b = pair[1] as? String {
                out.append((a, b))
            } else {
                throw malformed("model.merges[\(i)]", "\"a b\" or [\"a\", \"b\"]")
            }
        }
        return out
    }

    func addedTokens() throws -> [AddedToken] {
        guard let list = root["added_tokens"] else { return [] }
        if list is NSNull { return [] }
        guard let items = list as? [[String: Any]] else { throw malformed("added_tokens", "a list of objects") }
        return try items.enumerated().map { i, t in
            guard let content = t["content"] as? String, let n = t["id"] as? NSNumber, let id = Int32(exactly: n.doubleValue) else {
                throw malformed("added_tokens[\(i)]", "an object with `id` (integer) and `content` (string)")
            }
            let special = t["special"] as? Bool ?? false
            return AddedToken(id: id, content: content, special: special, singleWord: t["single_word"] as? Bool ?? false,
                              lstrip: t["lstrip"] as? Bool ?? false, rstrip: t["rstrip"] as? Bool ?? false,
                              normalized: t["normalized"] as? Bool ?? !special)
        }
    }

    /// Components as `(type, object)`, with `Sequence`s flattened.
    func components(_ key: String, listKey: String) throws -> [(String, [String: Any])] {
        guard let value = root[key], !(value is NSNull) else { return [] }
        guard let object = value as? [String: Any], let type = object["type"] as? String else {
            throw malformed(key, "an object with a `type`")
        }
        if type == "Sequence" {
            guard let items = object[listKey] as? [[String: Any]] else { throw malformed("\(key).\(listKey)", "a list") }
            return try items.map { item in
                guard let t = item["type"] as? String else { throw malformed("\(key).\(listKey)[]", "objects with a `type`") }
                return (t, item)
            }
        }
        return [(type, object)]
    }

    /// The single-sequence template as prefix and suffix ids. Supports TemplateProcessing,
    /// BertProcessing/RobertaProcessing, and ignores ByteLevel (offsets only).
    func postProcessor(idOf: (String) -> Int32?) throws -> PostProcessor {
        var result = PostProcessor.none
        for (type, p) in try components("post_processor", listKey: "processors") {
            switch type {
            case "ByteLevel":
                continue
            case "TemplateProcessing":
                guard let single = p["single"] as? [[String: Any]] else { throw malformed("post_processor.single", "a list") }
                let specials = p["special_tokens"] as? [String: Any] ?? [:]
                // The special ids of a template, split at its sequences ($A, and $B in a pair).
                func parts(_ template: [[String: Any]], _ field: String) throws -> [[Int32]] {
                    var out: [[Int32]] = [[]]
                    for piece in template {
                        if piece["Sequence"] != nil { out.append([]); continue }
                        guard let special = piece["SpecialToken"] as? [String: Any], let name = special["id"] as? String else {
                            throw malformed("post_processor.\(field)[]", "{\"Sequence\": …} or {\"SpecialToken\": {\"id\": …}}")
                        }
                        if let entry = specials[name] as? [String: Any], let list = entry["ids"] as? [NSNumber] {
                            out[out.count - 1] += list.map { Int32(truncating: $0) }
                        } else if let id = idOf(name) {
                            out[out.count - 1].append(id)
                        } else {
                            throw malformed("post_processor.special_tokens[\"\(name)\"]", "the ids of \(name)")
                        }
                    }
                    return out
                }
                let one = try parts(single, "single")
                guard one.count <= 2 else { throw malformed("post_processor.single", "a template with one $A") }
                result.prefix += one[0]
                result.suffix += one.count == 2 ? one[1] : []
                if let pair = p["pair"] as? [[String: Any]], case let two = try parts(pair, "pair"), two.count == 3 {
                    result = PostProcessor(prefix: result.prefix, suffix: result.suffix, pairSeparator: two[1])
                }
            case "BertProcessing", "RobertaProcessing":
                guard let cls = p["cls"] as? [Any], cls.count == 2, let clsID = cls[1] as? NSNumber,
                      let sep = p["sep"] as? [Any], sep.count == 2, let sepID = sep[1] as? NSNumber else {
                    throw malformed("post_processor", "`cls` and `sep` as [token, id]")
                }
                let (c, s) = (Int32(truncating: clsID), Int32(truncating: sepID))
                // RoBERTa's pair is `<s> A </s></s> B </s>`.
                result = PostProcessor(prefix: result.prefix + [c], suffix: result.suffix + [s],
                                       pairSeparator: type == "RobertaProcessing" ? [s, s] : [s])
            default:
                throw TokenizerError.unsupportedComponent(path: path, component: "post_processor", type: type,
                    hint: "Supported: TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel.")
            }
        }
        return result
    }

    /// `padding.pad_id` when the file configures padding.
    var padID: Int32? {
        guard let padding = root["padding"] as? [String: Any], let id = padding["pad_id"] as? NSNumber else { return nil }
        return Int32(truncating: id)
    }
}

/// eos/bos/pad token names from the tokenizer_config.json beside tokenizer.json (strings, or
/// `{"content": …}` objects in older files).
struct TokenizerConfigJSON {
    var eos: String?
    var bos: String?
    var pad: String?

    init(beside tokenizerJSON: URL) {
        let url = tokenizerJSON.deletingLastPathComponent().appendingPathComponent("tokenizer_config.json")
        guard let data = try? Data(contentsOf: url),
              let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return }
        func name(_ key: String) -> String? {
            if let s = root[key] as? String { return s }
            return (root[key] as? [String: Any])?["content"] as? String
        }
        eos = name("eos_token")
        bos = name("bos_token")
        pad = name("pad_token")
    }
}
