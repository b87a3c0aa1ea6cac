import FolioTensor
import ModelFiles

/// One architecture's table of outside weight names (`Qwen3WeightName`, `BertWeightName`): the GGUF
/// (llama.cpp) and Hugging Face spellings of each weight. Everything past the table uses Swift names.
protocol WeightNameTable {
    var gguf: String { get }
    /// Without the checkpoint's prefix (`model.`, `bert.`), which some repos have and some do not.
    var huggingFace: String { get }
}

/// How a file spells an architecture's weight names.
public enum WeightNaming: Sendable, Equatable {
    case gguf
    /// Hugging Face names, with `prefix` ("model.", "bert." or "") in front.
    case huggingFace(prefix: String)

    func name(_ weight: some WeightNameTable) -> String {
        switch self {
        case .gguf: weight.gguf
        case let .huggingFace(prefix): prefix + weight.huggingFace
        }
    }

    /// Hugging Face folders name weights with or without a prefix; look at one weight (`probe`) to tell.
    static func detect(in names: [String], prefix: String, probe: some WeightNameTable) -> WeightNaming {
        names.contains(prefix + probe.huggingFace) ? .huggingFace(prefix: prefix) : .huggingFace(prefix: "")
    }
}

/// Reads one architecture's weights by table name, checking each shape against the configuration.
/// Projections stay views of the mapped file; `floats` converts small vectors (norms, biases) once.
struct WeightReader {
    let source: any WeightSource
    let naming: WeightNaming
    /// The file or folder, for errors.
    let path: String
    private let names: Set<String>

    init(source: any WeightSource, naming: WeightNaming, path: String) {
        self.source = source
        self.naming = naming
        self.path = path
        self.names = Set(source.tensorNames)
    }

    func contains(_ weight: some WeightNameTable) -> Bool { names.contains(naming.name(weight)) }

    /// The weight as stored, reshaped to `shape`. Some exporters keep 1-D vectors as [1, C]: element
    /// layouts are compared, not the shapes themselves.
    func tensor(_ weight: some WeightNameTable, _ shape: [Int]) throws -> Tensor {
        let name = naming.name(weight)
        guard names.contains(name) else { throw ModelError.missingWeight(name: name, path: path) }
        let t = try source.tensor(name)
        guard t.shape.filter({ $0 != 1 }) == shape.filter({ $0 != 1 }) else {
            throw ModelError.shapeMismatch(name: name, path: path, expected: shape, found: t.shape)
        }
        return t.shape == shape ? t : t.reshaped(shape)
    }

    /// The weight converted to f32.
    func floats(_ weight: some WeightNameTable, _ shape: [Int]) throws -> [Float] {
        Ops.toFloats(try tensor(weight, shape))
    }
}
