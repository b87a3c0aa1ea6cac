import Foundation
import FolioTensor
import ModelFiles

extension BertModel {
    /// Builds the model over a Hugging Face folder: config.json and the sentence-transformers files
    /// beside it (see ``BertConfig/fromHuggingFace(folder:)``), weights from safetensors.
    public static func load(folder: URL, weights source: any WeightSource, pool: ThreadPool) throws -> BertModel {
        let config = try BertConfig.fromHuggingFace(folder: folder)
        let weights = try BertWeights(config: config, reader: .bert(folder: folder.path, source: source))
        return BertModel(config: config, weights: weights, pool: pool)
    }
}
