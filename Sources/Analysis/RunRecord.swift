import Foundation
import CorpusFormats
import Preprocessing
import Shards
import Training

/// Everything the report reads from one run folder: its config and metrics, and what `analyze`
/// and `icl` wrote there, if they ran. Or a model measured elsewhere: the JSON `hapax-shards analyze
/// --json` prints for any transformers model, with its few-shot results under `icl`.
public struct RunRecord {
    public let path: String
    public var name: String
    /// Nil for a model measured by `hapax-shards analyze`, which was not trained here.
    public let config: RunConfig?
    public let metrics: [MetricsRecord]
    public let analysis: AnalysisReport?
    public let fewShot: FewShotReport?

    public init(path: String) throws {
        self.path = path
        name = URL(fileURLWithPath: path).standardized.lastPathComponent
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue {
            name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            config = nil
            metrics = []
            analysis = try ManifestJSON.decode(AnalysisReport.self, from: path)
            fewShot = try ManifestJSON.decode(MeasuredModel.self, from: path).icl
            return
        }
        let run = RunFolder(path: path)
        config = try ManifestJSON.decode(RunConfig.self, from: run.file("config.json"))
        var metrics: [MetricsRecord] = []
        let metricsPath = run.file("metrics.jsonl")
        if let text = try? String(contentsOfFile: metricsPath, encoding: .utf8) {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            for (number, line) in text.split(separator: "\n").enumerated() {
                do { metrics.append(try decoder.decode(MetricsRecord.self, from: Data(line.utf8))) } catch {
                    throw AnalysisError("\(metricsPath), line \(number + 1): \(error)")
                }
            }
        }
        self.metrics = metrics
        let fileManager = FileManager.default
        analysis = fileManager.fileExists(atPath: run.file("analysis.json"))
            ? try ManifestJSON.decode(AnalysisReport.self, from: run.file("analysis.json")) : nil
        fewShot = fileManager.fileExists(atPath: run.file("icl.json"))
            ? try ManifestJSON.decode(FewShotReport.self, from: run.file("icl.json")) : nil
    }

    /// The fields of `hapax-shards analyze`'s JSON beyond `AnalysisReport`'s.
    private struct MeasuredModel: Decodable {
        var icl: FewShotReport?
    }
}

/// The dropped share of a shard folder by position in the window, as `hapax-prep inspect` reports it.
public struct DatasetProfile {
    public let path: String
    public let droppedShare: Double
    /// (first target position of the bucket, `hapax` n = 2 share dropped there).
    public let byPosition: [(position: Int, share: Double)]

    public init(path: String, buckets: Int = 32) throws {
        self.path = path
        let folder = try ShardFolder(path: path)
        let statistics = try ShardStatistics(folder: folder, split: .train, positionBuckets: buckets, topBigrams: 0)
        droppedShare = folder.manifest.statistics.hapaxDroppedShare
        byPosition = statistics.byPosition.map { ($0.lower, $0.share) }
    }
}
