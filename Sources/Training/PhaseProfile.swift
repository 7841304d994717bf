import Foundation

/// Where a training step's time goes, for `hapax-train train --profile`: wall time summed per phase
/// over the steps. The model's phases are timed on the first replica, which works on its share of the
/// batch while the others work on theirs; the phases around them (loading, summing the replicas'
/// gradients, clipping, AdamW) on the training thread. Phases are named "layer L: what, direction"
/// so that the summary can also add them up by what they are, whatever the layer.
public final class PhaseProfile: @unchecked Sendable {
    private var names: [String] = []
    private var seconds: [Double] = []
    private var index: [String: Int] = [:]
    private var stepSeconds = 0.0
    private var steps = 0

    public init() {}

    /// Runs `body`, adding its wall time to `phase`. Not thread-safe: one thread times at a time.
    @inline(__always)
    public func time<R>(_ phase: String, _ body: () throws -> R) rethrows -> R {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { add(phase, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
        return try body()
    }

    private func add(_ phase: String, _ elapsed: Double) {
        if let k = index[phase] {
            seconds[k] += elapsed
        } else {
            index[phase] = names.count
            names.append(phase)
            seconds.append(elapsed)
        }
    }

    /// Counts one whole step of `elapsed` seconds, against which shares are given.
    public func step(_ elapsed: Double) {
        stepSeconds += elapsed
        steps += 1
    }

    /// A table of milliseconds per step and share of the step, phase by phase in the order first timed,
    /// then the same added up by what each phase is, over all layers.
    public func summary() -> String {
        guard steps > 0 else { return "no step was timed" }
        let perStep = stepSeconds / Double(steps)
        func row(_ name: String, _ total: Double) -> String {
            name.padding(toLength: 46, withPad: " ", startingAt: 0)
                + String(format: "%9.2f ms %6.1f%%", total / Double(steps) * 1e3, 100 * total / stepSeconds)
        }
        var lines = [String(format: "profile over %d steps: %.2f ms a step (phases of the model: first replica)", steps, perStep * 1e3)]
        lines += zip(names, seconds).map { row($0, $1) }
        lines.append(row("the rest (waiting for other threads, metrics)", stepSeconds - seconds.reduce(0, +)))
        var kinds: [String] = [], byKind: [String: Double] = [:]
        for (name, total) in zip(names, seconds) {
            let kind = name.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? name
            if byKind[kind] == nil { kinds.append(kind) }
            byKind[kind, default: 0] += total
        }
        lines.append("by kind, all layers:")
        lines += kinds.sorted { byKind[$0]! > byKind[$1]! }.map { row("  " + $0, byKind[$0]!) }
        return lines.joined(separator: "\n")
    }
}
