import Foundation
import Testing
@testable import Training

@Suite struct CheckpointTests {
    @Test func checkpointsSortByStepNotByName() throws {
        let run = RunFolder(path: FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString)").path)
        for name in ["step-10000000", "step-9999999", "step-0000100", "step-0000100.tmp-42"] {
            try FileManager.default.createDirectory(atPath: "\(run.checkpoints)/\(name)", withIntermediateDirectories: true)
        }
        #expect(run.completeCheckpoints() == ["step-0000100", "step-9999999", "step-10000000"])
    }

    @Test func clipZeroMeansNoClipping() {
        let gradients = FloatBuffer(count: 3)
        for (i, value) in [3, -4, 12].enumerated() { gradients.pointer[i] = Float(value) }
        #expect(clipGradients(gradients, maximum: 0) == 13)
        #expect((0..<3).map { gradients.pointer[$0] } == [3, -4, 12])
        clipGradients(gradients, maximum: 6.5)
        #expect((0..<3).map { gradients.pointer[$0] } == [1.5, -2, 6])
    }
}
