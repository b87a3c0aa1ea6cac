import Foundation
import FolioTensor
import ModelFiles

/// A BERT cross-encoder (BertForSequenceClassification with one label, ms-marco-MiniLM style): the pair
/// `[CLS] query [SEP] document [SEP]` runs through the encoder with token types 0 / 1, then the pooler
/// (dense + tanh on `[CLS]`) and the classifier give one logit. sentence-transformers' `CrossEncoder`
/// scores it with a sigmoid. Bidirectional attention: no prefix can be reused.
///
/// XLM-RoBERTa (XLMRobertaForSequenceClassification, bge-reranker-v2-m3 style) has the same shape: the pair
/// `<s> query </s></s> document </s>` with one token type, and RoBERTa's classification head (`classifier.dense`
/// + tanh on `<s>`, then `classifier.out_proj`) in the places of the pooler and the classifier.
///
/// Glossary: C = hidden.
public final class BertCrossEncoder: RerankingModel, @unchecked Sendable {
    public let encoder: BertModel
    let poolerDense: [Float]     // [C, C]
    let poolerBias: [Float]      // [C]
    let classifier: [Float]      // [1, C]
    let classifierBias: Float

    public var contextLength: Int { encoder.contextLength }

    init(encoder: BertModel, poolerDense: [Float], poolerBias: [Float], classifier: [Float], classifierBias: Float) {
        self.encoder = encoder
        self.poolerDense = poolerDense
        self.poolerBias = poolerBias
        self.classifier = classifier
        self.classifierBias = classifierBias
    }

    public func prefill(_ prefix: [Int32]) throws -> (any RerankPrefix)? { nil }

    public func logits(_ sequences: [RerankSequence], after prefix: (any RerankPrefix)?) throws -> [Float] {
        precondition(prefix == nil, "a cross-encoder reuses no prefix")
        let C = encoder.config.hiddenSize
        // 1. Encoder with token types (XLM-RoBERTa has one): ids [t] per pair -> the `[CLS]` hidden state [C].
        let segments = encoder.config.typeVocabularySize > 1 ? sequences.map(\.secondSegmentStart) : nil
        let cls = encoder.run(sequences.map(\.ids), secondSegmentStarts: segments, observe: nil)
        return cls.map { h in
            // 2. Pooler: tanh(W [C, C] · h + b) -> [C].
            let pooled = (0..<C).map { j -> Double in
                var sum = Double(poolerBias[j])
                for i in 0..<C { sum += Double(poolerDense[j * C + i]) * Double(h[i]) }
                return tanh(sum)
            }
            // 3. Classifier: [1, C] · pooled + b -> the logit.
            var logit = Double(classifierBias)
            for j in 0..<C { logit += Double(classifier[j]) * pooled[j] }
            return Float(logit)
        }
    }
}

/// The classification head's names (beside the `bert.`- or `roberta.`-prefixed encoder, so without a prefix).
enum BertClassifierWeightName: WeightNameTable {
    /// BERT's classifier [1, C] after the pooler; RoBERTa's `out_proj` [1, C] after `dense`.
    case weight, bias
    /// RoBERTa's `dense` [C, C] on `<s>` (BERT has the pooler instead); llama.cpp's `cls`.
    case robertaDense, robertaDenseBias
    /// RoBERTa's `out_proj`.
    case robertaOut, robertaOutBias

    var gguf: String {
        switch self {
        case .weight, .robertaOut: "cls.output.weight"
        case .bias, .robertaOutBias: "cls.output.bias"
        case .robertaDense: "cls.weight"
        case .robertaDenseBias: "cls.bias"
        }
    }

    var huggingFace: String {
        switch self {
        case .weight: "classifier.weight"
        case .bias: "classifier.bias"
        case .robertaDense: "classifier.dense.weight"
        case .robertaDenseBias: "classifier.dense.bias"
        case .robertaOut: "classifier.out_proj.weight"
        case .robertaOutBias: "classifier.out_proj.bias"
        }
    }
}

extension BertCrossEncoder {
    /// Over a Hugging Face BertForSequenceClassification or XLMRobertaForSequenceClassification folder
    /// (config.json with one label, safetensors).
    public static func load(folder: URL, weights source: any WeightSource, pool: ThreadPool) throws -> BertCrossEncoder {
        let json = try HuggingFaceConfig(url: folder.appendingPathComponent("config.json"))
        let labels = (json.dict["id2label"] as? [String: Any])?.count ?? json.optionalInt("num_labels") ?? 2
        guard labels == 1 else {
            throw ModelError.badConfiguration(
                key: "id2label", path: json.path,
                expected: "one label (a relevance cross-encoder such as ms-marco-MiniLM-L-6-v2); found \(labels)")
        }
        var config = try BertConfig.fromHuggingFace(folder: folder)
        config.pooling = .cls   // the pooler reads `[CLS]`
        let reader = WeightReader.bert(folder: folder.path, source: source)
        let weights = try BertWeights(config: config, reader: reader)
        let C = config.hiddenSize
        let head = WeightReader(source: source, naming: .huggingFace(prefix: ""), path: folder.path)
        let encoder = BertModel(config: config, weights: weights, pool: pool)
        if case .afterPadding = config.positions {
            return BertCrossEncoder(
                encoder: encoder,
                poolerDense: try head.floats(BertClassifierWeightName.robertaDense, [C, C]),
                poolerBias: try head.floats(BertClassifierWeightName.robertaDenseBias, [C]),
                classifier: try head.floats(BertClassifierWeightName.robertaOut, [1, C]),
                classifierBias: try head.floats(BertClassifierWeightName.robertaOutBias, [1])[0])
        }
        return BertCrossEncoder(
            encoder: encoder,
            poolerDense: try reader.floats(BertWeightName.poolerDense, [C, C]),
            poolerBias: try reader.floats(BertWeightName.poolerBias, [C]),
            classifier: try head.floats(BertClassifierWeightName.weight, [1, C]),
            classifierBias: try head.floats(BertClassifierWeightName.bias, [1])[0])
    }
}
