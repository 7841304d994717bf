import Foundation

/// A trained model as a `transformers` GPT-2 folder: `config.json` and `model.safetensors`, which
/// `AutoModelForCausalLM.from_pretrained` loads, so that models trained here are measured and used by
/// the same tools as any other.
///
/// hapax's GPT is nanoGPT's, which is GPT-2's: the same tensors under the same names, GELU with the
/// tanh approximation (`gelu_new`), LayerNorm eps 1e-5, attention scaled by 1/√head size. Only the
/// layout differs: GPT-2's `Conv1D` stores matrices `[in, out]`, nanoGPT `[out, in]`. An
/// attention-only model gets MLPs whose weights are zero (their output is then exactly zero) and
/// LayerNorms of ones, since GPT-2 has no attention-only form.
public enum HuggingFaceExport {
    /// The safetensors bytes of `parameters`, laid out by `config`.
    public static func weights(_ parameters: UnsafePointer<Float>, config: ModelConfig) -> [UInt8] {
        let layout = ParameterLayout(config)
        let C = config.width
        var owned: [(name: String, shape: [Int], values: [Float])] = []
        func tensor(_ name: String) -> [Float] {
            let t = layout[name]!
            return Array(UnsafeBufferPointer(start: parameters + t.offset, count: t.count))
        }
        func matrix(_ name: String, transposed: Bool) {
            let t = layout[name]!
            let values = tensor(name)
            guard transposed else { return owned.append((name, t.shape, values)) }
            let (rows, columns) = (t.shape[0], t.shape[1])
            var flipped = [Float](repeating: 0, count: values.count)
            for r in 0..<rows { for c in 0..<columns { flipped[c * rows + r] = values[r * columns + c] } }
            owned.append((name, [columns, rows], flipped))
        }
        matrix("transformer.wte.weight", transposed: false)
        matrix("transformer.wpe.weight", transposed: false)
        for l in 0..<config.layers {
            let p = "transformer.h.\(l)."
            for name in ["ln_1.weight", "ln_1.bias", "attn.c_attn.bias", "attn.c_proj.bias"] { owned.append((p + name, [layout[p + name]!.count], tensor(p + name))) }
            matrix(p + "attn.c_attn.weight", transposed: true)
            matrix(p + "attn.c_proj.weight", transposed: true)
            if config.attentionOnly {
                owned += [(p + "ln_2.weight", [C], [Float](repeating: 1, count: C)), (p + "ln_2.bias", [C], [Float](repeating: 0, count: C)),
                          (p + "mlp.c_fc.weight", [C, 4 * C], [Float](repeating: 0, count: 4 * C * C)),
                          (p + "mlp.c_fc.bias", [4 * C], [Float](repeating: 0, count: 4 * C)),
                          (p + "mlp.c_proj.weight", [4 * C, C], [Float](repeating: 0, count: 4 * C * C)),
                          (p + "mlp.c_proj.bias", [C], [Float](repeating: 0, count: C))]
            } else {
                for name in ["ln_2.weight", "ln_2.bias", "mlp.c_fc.bias", "mlp.c_proj.bias"] { owned.append((p + name, [layout[p + name]!.count], tensor(p + name))) }
                matrix(p + "mlp.c_fc.weight", transposed: true)
                matrix(p + "mlp.c_proj.weight", transposed: true)
            }
        }
        for name in ["transformer.ln_f.weight", "transformer.ln_f.bias"] { owned.append((name, [C], tensor(name))) }
        if !config.tiedEmbeddings { matrix("lm_head.weight", transposed: false) }
        // One buffer for every tensor, so that each entry is a slice of it while it is encoded.
        let flat = owned.flatMap(\.values)
        return flat.withUnsafeBufferPointer { buffer in
            var offset = 0
            let entries = owned.map { item in
                defer { offset += item.values.count }
                return SafeTensors.Entry(name: item.name, shape: item.shape, values: UnsafeBufferPointer(rebasing: buffer[offset..<offset + item.values.count]))
            }
            return SafeTensors.encode(entries, metadata: ["format": "pt"])
        }
    }

    /// GPT-2's `config.json` for `config`; `endOfText` becomes its eos token and, unless the shards put
    /// a `beginningOfText` before each document, its bos token too, as in GPT-2's own.
    public static func configuration(_ config: ModelConfig, endOfText: UInt32?, beginningOfText: UInt32? = nil) -> [UInt8] {
        var fields: [String: Any] = [
            "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2",
            "vocab_size": config.vocabSize, "n_positions": config.context, "n_embd": config.width,
            "n_layer": config.layers, "n_head": config.heads, "n_inner": 4 * config.width,
            "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5, "scale_attn_weights": true,
            "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0, "initializer_range": 0.02,
            "tie_word_embeddings": config.tiedEmbeddings, "torch_dtype": "float32",
        ]
        if let endOfText { fields["bos_token_id"] = beginningOfText ?? endOfText; fields["eos_token_id"] = endOfText }
        return json(fields)
    }

    /// `tokenizer_config.json` beside a `tokenizer.json`: the class that reads it and the contents of
    /// the end-of-text and beginning tokens, without which `AutoTokenizer` has no eos or bos token.
    public static func tokenizerConfiguration(context: Int, endOfText: String?, beginningOfText: String?) -> [UInt8] {
        var fields: [String: Any] = ["tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": context]
        if let endOfText { fields["eos_token"] = endOfText; fields["bos_token"] = beginningOfText ?? endOfText }
        return json(fields)
    }

    /// The files by which `transformers` (or hapax) finds a folder's tokenizer. An export removes
    /// them all before writing its own, since an earlier export's would be read with this model's ids.
    public static let tokenizerFiles = [
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json", "tokenizer.model",
        "vocab.json", "merges.txt", "vocab.txt", "tekken.json", "chat_template.jinja", tokenizerRecord, tokenizerFolder,
    ]

    /// The run's tokenizer identity (section 5 of docs/FORMAT.md), its `file` relative to the export.
    public static let tokenizerRecord = "hapax_tokenizer.json"

    /// Where a tokenizer that is not a `tokenizer.json` is copied, out of the names `transformers` reads.
    public static let tokenizerFolder = "tokenizer"

    private static func json(_ fields: [String: Any]) -> [UInt8] {
        Array(try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .prettyPrinted]))
    }
}
