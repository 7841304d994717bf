/// Writes a trained byte-level BPE as a Hugging Face `tokenizer.json`: the BPE model with the
/// ByteLevel pre-tokenizer and decoder, and `<|endoftext|>` as a special added token.
public enum HuggingFaceTokenizerWriter {
    public static func json(for result: BPETrainer.Result) -> String {
        var out = "{\n"
        out += "  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n"
        out += "  \"added_tokens\": [\n    {\"id\": \(result.endOfText), \"content\": \(string(BPETrainer.endOfText)), "
        out += "\"single_word\": false, \"lstrip\": false, \"rstrip\": false, \"normalized\": false, \"special\": true}\n  ],\n"
        out += "  \"normalizer\": null,\n"
        out += "  \"pre_tokenizer\": {\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": true, \"use_regex\": true},\n"
        out += "  \"post_processor\": null,\n"
        out += "  \"decoder\": {\"type\": \"ByteLevel\", \"add_prefix_space\": true, \"trim_offsets\": true, \"use_regex\": true},\n"
        out += "  \"model\": {\n    \"type\": \"BPE\",\n    \"dropout\": null,\n    \"unk_token\": null,\n"
        out += "    \"continuing_subword_prefix\": null,\n    \"end_of_word_suffix\": null,\n"
        out += "    \"fuse_unk\": false,\n    \"byte_fallback\": false,\n    \"ignore_merges\": false,\n"
        let spellings = result.tokens.map(ByteLevelAlphabet.spell)
        out += "    \"vocab\": {\n"
        out += spellings.enumerated().map { "      \(string($1)): \($0)" }.joined(separator: ",\n")
        out += "\n    },\n    \"merges\": [\n"
        out += result.merges.map { "      \(string(spellings[Int($0.left)] + " " + spellings[Int($0.right)]))" }
            .joined(separator: ",\n")
        out += "\n    ]\n  }\n}\n"
        return out
    }

    /// A JSON string literal. Byte-level spellings are printable, so only quotes and backslashes need escapes.
    private static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += "\\u00" + String(scalar.value, radix: 16).leftPadded(to: 2)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
