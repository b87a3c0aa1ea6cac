/// The normalizer steps SentencePiece tokenizers use in tokenizer.json (transformers' converter writes
/// `Sequence[Precompiled, Replace(" {2,}", …)]`, newer versions add `Strip`), applied in order to
/// the text between added tokens.
enum UnigramNormalization: Sendable {
    /// `Precompiled`: SentencePiece's charsmap.
    case precompiled(PrecompiledCharsmap)
    /// `Replace` with a literal pattern.
    case replace(String, with: String)
    /// `Replace` with the regex ` {2,}`: runs of two or more spaces become `with`.
    case collapseSpaces(with: String)
    /// `Strip`: whitespace off the left and/or right end.
    case strip(left: Bool, right: Bool)
    /// `NFKC`.
    case nfkc

    func apply(_ text: String) -> String {
        switch self {
        case let .precompiled(map): return map.normalize(text)
        case let .replace(pattern, replacement):
            return pattern.isEmpty ? text : text.replacingOccurrences(of: pattern, with: replacement)
        case let .collapseSpaces(replacement):
            guard text.utf8.contains(0x20) else { return text }
            var out = "", run = 0
            func flush() { if run == 1 { out += " " } else if run > 1 { out += replacement }; run = 0 }
            for s in text.unicodeScalars {
                if s == " " { run += 1; continue }
                flush()
                out.unicodeScalars.append(s)
            }
            flush()
            return out
        case let .strip(left, right):
            var scalars = Substring(text).unicodeScalars[...]
            if left { while let f = scalars.first, f.properties.isWhitespace { scalars.removeFirst() } }
            if right { while let l = scalars.last, l.properties.isWhitespace { scalars.removeLast() } }
            return String(String.UnicodeScalarView(scalars))
        case .nfkc: return text.precomposedStringWithCompatibilityMapping
        }
    }
}

/// Hugging Face's `Metaspace` pre-tokenizer: spaces become `▁` (U+2581), a `▁` is prepended (always, only
/// to the first piece of the input, or never), and with `split` the text is cut before every `▁`, so each
/// word carries its leading `▁` (`▁a▁▁b` -> `▁a`, `▁`, `▁b`). transformers 5 writes XLM-RoBERTa's as
/// `Sequence[WhitespaceSplit, Metaspace]`: the text is first cut at whitespace, which is dropped.
struct Metaspace: Sendable, Equatable {
    /// `prepend_scheme` (older files: `add_prefix_space` true = always).
    enum PrependScheme: String, Sendable { case always, first, never }

    var replacement: Unicode.Scalar = "\u{2581}"
    var prependScheme: PrependScheme = .always
    var split = true
    /// `WhitespaceSplit` before: words between runs of Unicode whitespace, each then prepended on its own.
    var whitespaceSplit = false

    /// The words of `text`, as UTF-8; `isFirst` says whether it begins the input (for the `first` scheme).
    /// Works on scalars, as Rust's `char`s: a space before a combining mark is still a space.
    func words(_ text: String, isFirst: Bool) -> [[UInt8]] {
        guard whitespaceSplit else { return metaspaceWords(text, isFirst: isFirst) }
        var out: [[UInt8]] = []
        var word = String.UnicodeScalarView()
        var wordStart = true   // whether the current word begins the text
        var atStart = true
        for s in text.unicodeScalars {
            if s.properties.isWhitespace {
                if !word.isEmpty { out += metaspaceWords(String(word), isFirst: isFirst && wordStart); word = .init() }
                atStart = false
                continue
            }
            if word.isEmpty { wordStart = atStart }
            word.append(s)
        }
        if !word.isEmpty { out += metaspaceWords(String(word), isFirst: isFirst && wordStart) }
        return out
    }

    private func metaspaceWords(_ text: String, isFirst: Bool) -> [[UInt8]] {
        // Hugging Face prepends nothing to an empty text (`NormalizedString::prepend`).
        guard !text.isEmpty else { return [] }
        var scalars = String.UnicodeScalarView()
        let prepend = prependScheme == .always || (prependScheme == .first && isFirst)
        if prepend, let first = text.unicodeScalars.first, first != " " && first != replacement {
            scalars.append(replacement)
        }
        for c in text.unicodeScalars { scalars.append(c == " " ? replacement : c) }
        let bytes = Array(String(scalars).utf8)
        guard split else { return bytes.isEmpty ? [] : [bytes] }
        let mark = Array(String(replacement).utf8)
        var out: [[UInt8]] = []
        var start = 0, i = 0
        while i < bytes.count {
            if i != start && bytes[i] == mark[0] && bytes[i...].starts(with: mark) {
                out.append(Array(bytes[start..<i]))
                start = i
            }
            i += 1
        }
        if start < bytes.count { out.append(Array(bytes[start...])) }
        return out
    }
}
