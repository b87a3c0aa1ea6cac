import Foundation
import FolioModels
import ModelFiles
import Tokenization

/// Builds the tokenizer that belongs to a loaded model: `tokenizer.json` beside a Hugging Face model,
/// or the `tokenizer.ggml.*` vocabulary inside a GGUF file.
enum TokenizerFactory {
    static func tokenizer(for loaded: LoadedModel) throws -> any Tokenizer {
        if let file = loaded.gguf { return try fromGGUF(file) }
        guard let folder = loaded.folder else {
            throw EmbedderError.tokenizerMissing(path: loaded.description.path, expected: "a GGUF file or a model folder")
        }
        return try fromFolder(folder)
    }

    /// The tokenizer of a `.gguf` file or model folder, before the weights are loaded.
    static func tokenizer(path: String) throws -> any Tokenizer {
        switch try ModelFormat.detect(path: path) {
        case let .gguf(file): try fromGGUF(try GGUFFile(path: file))
        case let .huggingFaceFolder(folder): try fromFolder(URL(fileURLWithPath: folder))
        }
    }

    static func fromFolder(_ folder: URL) throws -> any Tokenizer {
        let url = folder.appendingPathComponent("tokenizer.json")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw EmbedderError.tokenizerMissing(path: folder.path,
                                                 expected: "tokenizer.json in the model folder (download it with the weights)")
        }
        return try TokenizerLoader.load(tokenizerJSON: url)
    }

    static func fromGGUF(_ file: GGUFFile) throws -> any Tokenizer {
        let m = file.metadata
        let kind = m["tokenizer.ggml.model"]?.string
        func id(_ key: String) -> Int32? { m["tokenizer.ggml." + key]?.int.map { Int32($0) } }
        func flag(_ key: String) -> Bool? { m["tokenizer.ggml." + key]?.bool }
        if kind == "bert" {
            guard let tokens = m["tokenizer.ggml.tokens"]?.stringArray else {
                throw EmbedderError.tokenizerMissing(path: file.path, expected: "a tokenizer.ggml.tokens string array")
            }
            // llama.cpp's defaults for WordPiece: [CLS] before, [SEP] after; the add_* keys override them.
            return try WordPieceTokenizer(
                ggufTokens: tokens,
                tokenTypes: m["tokenizer.ggml.token_type"]?.intArray?.map { Int32($0) },
                unknownID: id("unknown_token_id"),
                clsID: id("cls_token_id") ?? id("bos_token_id"),
                sepID: id("seperator_token_id") ?? id("eos_token_id"),
                padID: id("padding_token_id"),
                addCLS: flag("add_bos_token") ?? true,
                addSEP: (flag("add_sep_token") ?? true) || (flag("add_eos_token") ?? false))
        }
        if kind == "t5" {
            guard let tokens = m["tokenizer.ggml.tokens"]?.stringArray, let scores = m["tokenizer.ggml.scores"]?.doubleArray,
                  let types = m["tokenizer.ggml.token_type"]?.intArray else {
                throw EmbedderError.tokenizerMissing(
                    path: file.path, expected: "tokenizer.ggml.tokens, scores and token_type arrays (a SentencePiece vocabulary)")
            }
            // llama.cpp's defaults for SentencePiece Unigram: a space prefix, extra spaces removed, `<s> … </s>`.
            return try UnigramTokenizer(
                ggufTokens: tokens, scores: scores, tokenTypes: types.map { Int32($0) },
                charsmap: m["tokenizer.ggml.precompiled_charsmap"]?.intArray?.map { UInt8(truncatingIfNeeded: $0) },
                addSpacePrefix: flag("add_space_prefix") ?? true,
                removeExtraWhitespaces: flag("remove_extra_whitespaces") ?? true,
                unknownID: id("unknown_token_id"), bosID: id("bos_token_id"), eosID: id("eos_token_id"),
                padID: id("padding_token_id"),
                addBOS: flag("add_bos_token") ?? true, addEOS: flag("add_eos_token") ?? true)
        }
        if kind == "llama" {
            // SentencePiece BPE. Gemma (Gemma 3, EmbeddingGemma) is written with add_space_prefix = false;
            // Llama 2-style vocabularies, which prepend ▁, are not implemented.
            guard flag("add_space_prefix") == false else {
                throw EmbedderError.tokenizerMissing(
                    path: file.path, expected: "a Gemma SentencePiece vocabulary (tokenizer.ggml.add_space_prefix = false); "
                        + "Llama 2-style SentencePiece with a space prefix is not supported")
            }
            guard let tokens = m["tokenizer.ggml.tokens"]?.stringArray, let types = m["tokenizer.ggml.token_type"]?.intArray else {
                throw EmbedderError.tokenizerMissing(path: file.path, expected: "tokenizer.ggml.tokens and token_type arrays")
            }
            // llama.cpp's defaults for SentencePiece: `<bos>` before, nothing after; add_eos_token adds `<eos>` (EmbeddingGemma).
            return try SentencePieceBPETokenizer(
                ggufTokens: tokens, tokenTypes: types.map { Int32($0) }, unknownID: id("unknown_token_id"),
                bosID: id("bos_token_id"), eosID: id("eos_token_id"), padID: id("padding_token_id"),
                addBOS: flag("add_bos_token") ?? true, addEOS: flag("add_eos_token") ?? false)
        }
        guard kind == "gpt2" else {
            throw EmbedderError.tokenizerMissing(
                path: file.path,
                expected: "tokenizer.ggml.model = \"gpt2\" (byte-level BPE), \"bert\" (WordPiece), \"t5\" (Unigram) "
                    + "or \"llama\" (Gemma's SentencePiece BPE); found \(kind.map { "\"\($0)\"" } ?? "none")")
        }
        guard let tokens = m["tokenizer.ggml.tokens"]?.stringArray,
              let merges = m["tokenizer.ggml.merges"]?.stringArray else {
            throw EmbedderError.tokenizerMissing(path: file.path,
                                                 expected: "tokenizer.ggml.tokens and tokenizer.ggml.merges string arrays")
        }
        return try BPETokenizer(
            ggufTokens: tokens,
            tokenTypes: m["tokenizer.ggml.token_type"]?.intArray?.map { Int32($0) },
            merges: merges,
            pre: m["tokenizer.ggml.pre"]?.string ?? "qwen2",
            bosID: id("bos_token_id"),
            eosID: id("eos_token_id"),
            padID: id("padding_token_id"),
            addBOS: m["tokenizer.ggml.add_bos_token"]?.bool ?? false,
            addEOS: m["tokenizer.ggml.add_eos_token"]?.bool ?? false)
    }
}
