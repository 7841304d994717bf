import ArgumentParser
import Foundation
import Shards

/// `--part I/N`, or `auto/N` with I from the scheduler: Slurm's job array index, or a Kubernetes
/// indexed Job's completion index.
struct PartOption: ExpressibleByArgument {
    static let indexVariables = ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"]
    let index: Int?
    let count: Int

    init?(argument: String) {
        let fields = argument.split(separator: "/", omittingEmptySubsequences: false)
        guard fields.count == 2, let count = Int(fields[1]), count >= 1 else { return nil }
        if fields[0] == "auto" {
            index = nil
        } else {
            guard let index = Int(fields[0]) else { return nil }
            self.index = index
        }
        self.count = count
    }

    /// The part, with an `auto` index read from the environment.
    func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PartIdentity {
        if let index {
            guard (0..<count).contains(index) else { throw CommandError("--part \(index)/\(count): parts are counted from 0, so I must be from 0 to \(count - 1)") }
            return PartIdentity(index: index, count: count)
        }
        guard let (name, value) = Self.indexVariables.lazy.compactMap({ name in environment[name].map { (name, $0) } }).first else {
            throw CommandError("--part auto/\(count): neither \(Self.indexVariables.joined(separator: " nor ")) is set; give the index, as --part I/\(count)")
        }
        guard let index = Int(value), (0..<count).contains(index) else {
            throw CommandError("--part auto/\(count): \(name)=\(value) is not a part index from 0 to \(count - 1) (a Slurm array must be --array=0-\(count - 1))")
        }
        return PartIdentity(index: index, count: count)
    }
}
