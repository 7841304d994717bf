/// The shape of a GPT-2 style model. Stored as the run's `config.json`.
public struct ModelConfig: Codable, Equatable, Sendable {
    public var layers: Int
    public var heads: Int
    public var width: Int
    public var vocabSize: Int
    public var context: Int
    /// Blocks without MLPs: the classic setting in which induction heads appear.
    public var attentionOnly: Bool
    /// The LM head reuses the token embedding matrix.
    public var tiedEmbeddings: Bool

    public init(layers: Int, heads: Int, width: Int, vocabSize: Int, context: Int, attentionOnly: Bool, tiedEmbeddings: Bool) {
        self.layers = layers
        self.heads = heads
        self.width = width
        self.vocabSize = vocabSize
        self.context = context
        self.attentionOnly = attentionOnly
        self.tiedEmbeddings = tiedEmbeddings
    }
}

/// Where each named tensor lives in the one flat parameter buffer. Names and `[out, in]` matrix
/// layouts follow nanoGPT, so a state dict loads into its `GPT` class.
public struct ParameterLayout: Sendable {
    public struct Tensor: Sendable {
        public let name: String
        public let shape: [Int]
        public let offset: Int
        public var count: Int { shape.reduce(1, *) }
        /// Matrices and embeddings get weight decay; biases and LayerNorm parameters do not.
        public var decays: Bool { shape.count >= 2 }
    }

    public let tensors: [Tensor]
    public let count: Int
    private let index: [String: Int]

    public init(_ config: ModelConfig) {
        let C = config.width, V = config.vocabSize
        var shapes: [(String, [Int])] = [("transformer.wte.weight", [V, C]), ("transformer.wpe.weight", [config.context, C])]
        for l in 0..<config.layers {
            let p = "transformer.h.\(l)."
            shapes += [(p + "ln_1.weight", [C]), (p + "ln_1.bias", [C]),
                       (p + "attn.c_attn.weight", [3 * C, C]), (p + "attn.c_attn.bias", [3 * C]),
                       (p + "attn.c_proj.weight", [C, C]), (p + "attn.c_proj.bias", [C])]
            if !config.attentionOnly {
                shapes += [(p + "ln_2.weight", [C]), (p + "ln_2.bias", [C]),
                           (p + "mlp.c_fc.weight", [4 * C, C]), (p + "mlp.c_fc.bias", [4 * C]),
                           (p + "mlp.c_proj.weight", [C, 4 * C]), (p + "mlp.c_proj.bias", [C])]
            }
        }
        shapes += [("transformer.ln_f.weight", [C]), ("transformer.ln_f.bias", [C])]
        if !config.tiedEmbeddings { shapes.append(("lm_head.weight", [V, C])) }
        var tensors: [Tensor] = []
        var offset = 0
        for (name, shape) in shapes {
            tensors.append(Tensor(name: name, shape: shape, offset: offset))
            offset += shape.reduce(1, *)
        }
        self.tensors = tensors
        self.count = offset
        self.index = Dictionary(uniqueKeysWithValues: tensors.enumerated().map { ($1.name, $0) })
    }

    public subscript(name: String) -> Tensor? { index[name].map { tensors[$0] } }

    /// The offset of a tensor that the configuration guarantees.
    func offset(_ name: String) -> Int { self[name]!.offset }
}
