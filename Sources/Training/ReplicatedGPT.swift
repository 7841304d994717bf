import Foundation

/// Something that scores every target of a batch of windows: a model, or replicas of one.
public protocol LossModel: AnyObject {
    var config: ModelConfig { get }
    var batch: Int { get }
    func losses(inputs: [UInt32], targets: [UInt32]) -> [Float]
}

extension GPT: LossModel {}

/// A model whose batches are split over threads: one replica per thread, all sharing one parameter
/// buffer, each with its own activations and gradients, each running OpenBLAS single-threaded. The
/// gradients are summed in replica order, so a run is the same bit for bit for a given thread count.
public final class ReplicatedGPT: LossModel {
    public let replicas: [GPT]
    public let batch: Int
    /// The sum of the replicas' gradients after `forwardBackward`.
    public let gradients: FloatBuffer
    private let parts: [Range<Int>]

    public init(config: ModelConfig, batch: Int, threads: Int) {
        let count = max(1, min(threads, batch))
        parts = (0..<count).map { (batch * $0 / count)..<(batch * ($0 + 1) / count) }
        let first = GPT(config: config, batch: parts[0].count)
        replicas = [first] + parts.dropFirst().map { GPT(config: config, batch: $0.count, parameters: first.parameters) }
        self.batch = batch
        gradients = count == 1 ? first.gradients : FloatBuffer(count: first.layout.count)
        setMatrixThreads(1)
    }

    public var config: ModelConfig { replicas[0].config }
    public var layout: ParameterLayout { replicas[0].layout }
    public var parameters: FloatBuffer { replicas[0].parameters }
    /// A model that shares the parameters, for checkpoints.
    public var primary: GPT { replicas[0] }

    /// Times the first replica's phases and the sum of the replicas' gradients (`train --profile`).
    public var profile: PhaseProfile? {
        get { replicas[0].profile }
        set { replicas[0].profile = newValue }
    }

    /// Runs `body` for every replica, each on its own thread.
    private func eachReplica(_ body: @escaping (Int) -> Void) {
        if replicas.count == 1 { return body(0) }
        // Replicas write only their own buffers; the shared parameters are only read.
        nonisolated(unsafe) let work = body
        DispatchQueue.concurrentPerform(iterations: replicas.count) { work($0) }
    }

    private func rows(_ i: Int) -> Range<Int> {
        let T = config.context
        return (parts[i].lowerBound * T)..<(parts[i].upperBound * T)
    }

    public func forwardBackward(inputs: [UInt32], targets: [UInt32], kept: [Bool]) -> (loss: Float, kept: Int) {
        let count = kept.reduce(0) { $0 + ($1 ? 1 : 0) }
        guard count > 0 else {
            gradients.zero()
            return (0, 0)
        }
        let scale = 1 / Float(count)
        var sums = [Float](repeating: 0, count: replicas.count)
        sums.withUnsafeMutableBufferPointer { sums in
            nonisolated(unsafe) let sums = sums
            eachReplica { i in
                let rows = self.rows(i)
                sums[i] = self.replicas[i].forwardBackward(inputs: Array(inputs[rows]), targets: Array(targets[rows]),
                                                            kept: Array(kept[rows]), lossScale: scale)
            }
        }
        if replicas.count > 1 {
            if let profile { profile.time("gradient sum across threads", sumGradients) } else { sumGradients() }
        }
        return (sums.reduce(0, +) * scale, count)
    }

    private func sumGradients() {
        let total = gradients.pointer, n = gradients.count
        let sources = replicas.map { $0.gradients.pointer }
        nonisolated(unsafe) let shared = (total, sources)
        // Sum in replica order, in parallel over disjoint ranges of parameters.
        DispatchQueue.concurrentPerform(iterations: replicas.count) { part in
            let (total, sources) = shared
            for i in (n * part / sources.count)..<(n * (part + 1) / sources.count) {
                var sum = sources[0][i]
                for source in sources.dropFirst() { sum += source[i] }
                total[i] = sum
            }
        }
    }

    /// Runs each replica forward on its share of `inputs` (whole sequences), then `body(replica,
    /// sequences)` on the replica's thread, with the batch's sequence numbers that replica holds.
    public func forwardEach(_ inputs: [UInt32], _ body: @escaping (GPT, Range<Int>) -> Void) {
        eachReplica { i in
            self.replicas[i].forward(Array(inputs[self.rows(i)]))
            body(self.replicas[i], self.parts[i])
        }
    }

    public func losses(inputs: [UInt32], targets: [UInt32]) -> [Float] {
        var results = [[Float]](repeating: [], count: replicas.count)
        results.withUnsafeMutableBufferPointer { results in
            nonisolated(unsafe) let results = results
            eachReplica { i in
                let rows = self.rows(i)
                results[i] = self.replicas[i].losses(inputs: Array(inputs[rows]), targets: Array(targets[rows]))
            }
        }
        return results.flatMap { $0 }
    }
}
