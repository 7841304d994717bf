import Foundation
import Testing
@testable import Training

/// The model against the PyTorch reference in tools/torch_reference.py, through fixtures it wrote:
/// the same weights, batch and mask give the same loss (1e-5 relative) and gradients (1e-3 relative
/// per tensor). Regenerate with `python tools/torch_reference.py fixture`.
@Suite struct ReferenceParityTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    @Test(arguments: ["reference-full", "reference-attention-only-tied"])
    func matchesPyTorch(fixture: String) throws {
        let file = try SafeTensors.read(Self.folder.appendingPathComponent("\(fixture).safetensors").path)
        let spec = try JSONSerialization.jsonObject(with: Data(file.metadata["config"]!.utf8)) as! [String: Any]
        let config = ModelConfig(layers: spec["layers"] as! Int, heads: spec["heads"] as! Int, width: spec["width"] as! Int,
                                 vocabSize: spec["vocab_size"] as! Int, context: spec["context"] as! Int,
                                 attentionOnly: spec["attention_only"] as! Bool, tiedEmbeddings: spec["tied_embeddings"] as! Bool)
        let model = GPT(config: config, batch: spec["batch"] as! Int)
        try RunFolder.load(file, into: model.parameters, layout: model.layout, prefix: "", source: fixture)
        let inputs = file.tensors["inputs"]!.values.map { UInt32($0) }
        let targets = file.tensors["targets"]!.values.map { UInt32($0) }
        let kept = file.tensors["kept"]!.values.map { $0 != 0 }
        let (loss, _) = model.forwardBackward(inputs: inputs, targets: targets, kept: kept)
        let reference = Double(file.metadata["loss"]!)!
        #expect(abs(Double(loss) - reference) / reference < 1e-5, "loss \(loss), PyTorch \(reference)")
        for tensor in model.layout.tensors {
            let expected = file.tensors["grad." + tensor.name]!.values
            let actual = Array(UnsafeBufferPointer(start: model.gradients.pointer + tensor.offset, count: tensor.count))
            let difference = zip(actual, expected).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }.squareRoot()
            let norm = expected.reduce(0.0) { $0 + Double($1 * $1) }.squareRoot()
            #expect(difference / max(norm, 1e-12) < 1e-3, "\(fixture) \(tensor.name): relative gradient error \(difference / norm)")
        }
    }
}
