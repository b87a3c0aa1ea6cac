import FolioTensor
import ModelFiles

/// Qwen3-Reranker: the Qwen3 decoder reads the judging template and the relevance logit is
/// logit("yes") - logit("no") at the last position, so sigmoid(logit) = softmax([no, yes])[1], the model
/// card's score. Only those two rows of the LM head are kept: the [V]-wide output is never computed.
///
/// Glossary: P = prefix tokens, t = one sequence's tokens, C = hidden.
public final class Qwen3Reranker: RerankingModel, @unchecked Sendable {
    public let decoder: Qwen3Model
    let head: [Float]   // [2, C]: rows "yes", "no" of the LM head (GGUF: `cls.output.weight`, in that order)

    public var contextLength: Int { decoder.contextLength }

    init(decoder: Qwen3Model, head: [Float]) {
        precondition(head.count == 2 * decoder.config.hiddenSize, "head is [2, C]")
        self.decoder = decoder
        self.head = head
    }

    /// The same weights (shared) at another precision.
    public func using(precision: ComputePrecision, attention: AttentionPrecision? = nil) -> Qwen3Reranker {
        Qwen3Reranker(decoder: decoder.using(precision: precision, attention: attention), head: head)
    }

    public func prefill(_ prefix: [Int32]) throws -> (any RerankPrefix)? {
        guard !prefix.isEmpty else { return nil }
        let kept = Qwen3KeyValues(ids: prefix, config: decoder.config)
        _ = decoder.run([prefix], after: nil, keeping: kept, observe: nil)
        return kept
    }

    public func logits(_ sequences: [RerankSequence], after prefix: (any RerankPrefix)?) throws -> [Float] {
        let kv = prefix.map { p -> Qwen3KeyValues in
            guard let kv = p as? Qwen3KeyValues else { preconditionFailure("prefix from another model") }
            return kv
        }
        // 1. Decoder: ids [t] per sequence -> final-normed hidden state of the last position [C].
        let states = decoder.run(sequences.map(\.ids), after: kv, keeping: nil, observe: nil)
        // 2. Two rows of the head: [2, C] · [C] -> (yes, no); the logit is their difference.
        let C = decoder.config.hiddenSize
        return states.map { h in
            var yes = 0.0, no = 0.0
            for i in 0..<C {
                yes += Double(head[i]) * Double(h[i])
                no += Double(head[C + i]) * Double(h[i])
            }
            return Float(yes - no)
        }
    }
}

/// The reranker's extra weights: the GGUF classifier, or the Hugging Face LM head (absent when tied).
enum Qwen3RerankWeightName: WeightNameTable {
    /// [2, C] in GGUF (rows yes, no); [V, C] in Hugging Face.
    case head

    var gguf: String { "cls.output.weight" }
    var huggingFace: String { "lm_head.weight" }
}

extension Qwen3Reranker {
    /// llama.cpp's pooling type for rerankers (`qwen3.pooling_type`).
    static let rankPooling = 4

    /// Over a GGUF file written by llama.cpp's converter for a Qwen3-Reranker: `qwen3.pooling_type` 4 (rank),
    /// `qwen3.classifier.output_labels` ["yes", "no"], `cls.output.weight` [2, C] holding those two rows.
    public static func load(gguf file: GGUFFile, pool: ThreadPool) throws -> Qwen3Reranker {
        let keys = GGUFKeys(file: file, architecture: "qwen3")
        if let labels = file.metadata[keys.key("classifier.output_labels")]?.stringArray, labels != ["yes", "no"] {
            throw ModelError.badConfiguration(key: keys.key("classifier.output_labels"), path: file.path,
                                              expected: "[\"yes\", \"no\"] (Qwen3-Reranker); found \(labels)")
        }
        let decoder = try Qwen3Model.load(gguf: file, pool: pool)
        let head = try WeightReader.gguf(file).floats(Qwen3RerankWeightName.head, [2, decoder.config.hiddenSize])
        return Qwen3Reranker(decoder: decoder, head: head)
    }

    /// Over a Hugging Face Qwen3ForCausalLM folder. `yes` and `no` are the tokenizer's ids of those words;
    /// their rows come from `lm_head.weight`, or from the embedding table when the two are tied.
    public static func load(config: Qwen3Config, weights source: any WeightSource, folder: String,
                            yes: Int32, no: Int32, pool: ThreadPool) throws -> Qwen3Reranker {
        let decoder = try Qwen3Model.load(config: config, weights: source, folder: folder, pool: pool)
        for id in [yes, no] where id < 0 || Int(id) >= config.vocabularySize {
            throw ModelError.badConfiguration(key: "vocab_size", path: folder,
                                              expected: "the ids of \"yes\" and \"no\" (\(yes), \(no)) inside the vocabulary")
        }
        let lmHead = WeightReader(source: source, naming: .huggingFace(prefix: ""), path: folder)
        let table = lmHead.contains(Qwen3RerankWeightName.head)
            ? try lmHead.tensor(Qwen3RerankWeightName.head, [config.vocabularySize, config.hiddenSize])
            : decoder.weights.tokenEmbedding
        let head = [Float](unsafeUninitializedCapacity: 2 * config.hiddenSize) { buffer, n in
            Ops.dequantizeRows(table, rows: [Int(yes), Int(no)], into: buffer.baseAddress!)
            n = 2 * config.hiddenSize
        }
        return Qwen3Reranker(decoder: decoder, head: head)
    }
}
