import Foundation
import Training

/// The comparison report: one self-contained HTML page (inline SVG and CSS, no script, nothing
/// fetched) that puts runs side by side, from what their folders hold.
public struct HTMLReport {
    public var runs: [RunRecord]
    public var datasets: [DatasetProfile]
    public var title: String

    public init(runs: [RunRecord], datasets: [DatasetProfile], title: String) {
        self.runs = runs
        self.datasets = datasets
        self.title = title
    }

    static let palette = ["#1f77b4", "#e8710a", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
    func color(_ i: Int) -> String { Self.palette[i % Self.palette.count] }

    public func render() -> String {
        var body = "<h1>\(SVGChart.escape(title))</h1>\n"
        body += "<p class=\"lead\">\(runs.count) run\(runs.count == 1 ? "" : "s"), made \(Self.today()). Hapax leaves out of the loss every target whose bigram already occurred earlier in its window; the paper reports fewer and weaker induction heads, less copying, and kept abstractive in-context learning.</p>\n"
        body += section("Runs", runTable())
        body += section("Final figures", summaryTable())
        body += section("Loss during training", lossCurves())
        body += section("Induction heads during training", inductionCurves())
        body += section("Prefix-matching score of every head", heatMaps())
        body += section("Copying random tokens", repetition())
        body += section("Validation loss by position in the window", lossByPosition())
        body += section("Few-shot tasks", fewShot())
        body += section("What the Hapax mask drops", datasetProfiles())
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(SVGChart.escape(title))</title>
            <style>\(Self.style)</style></head>
            <body>\(body)</body></html>

            """
    }

    static let style = """
        body{font:14px/1.45 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#222;max-width:1000px;margin:24px auto;padding:0 16px}
        h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:32px}
        h3{font-size:14px;margin:12px 0 4px}.lead{color:#555}.note{color:#666;font-size:12.5px}
        table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{padding:3px 10px;border-bottom:1px solid #eee;text-align:right}
        th:first-child,td:first-child{text-align:left}th{background:#f6f6f6}
        .charts{display:flex;flex-wrap:wrap;gap:12px}.chart{flex:0 0 auto}
        svg text{font-family:inherit}.tick{font-size:10.5px;fill:#555}.axis{font-size:11.5px;fill:#333}.legend{font-size:11px;fill:#333}
        .cell{font-size:10px}.grid{stroke:#eee}.plot{fill:none;stroke:#ccc}.whisker{stroke:#222;stroke-width:1.2}
        .swatch{display:inline-block;width:10px;height:10px;margin-right:5px;border-radius:2px}
        """

    static func today() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: Date())
    }

    func section(_ heading: String, _ content: String) -> String { "<h2>\(heading)</h2>\n\(content)\n" }

    func chart(_ heading: String, _ svg: String) -> String { "<div class=\"chart\"><h3>\(heading)</h3>\(svg)</div>" }

    func name(_ i: Int) -> String {
        "<span class=\"swatch\" style=\"background:\(color(i))\"></span>\(SVGChart.escape(runs[i].name))"
    }

    static func number(_ value: Double?, _ format: String = "%.3f") -> String {
        guard let value, value.isFinite else { return "–" }
        return String(format: format, value)
    }

    func table(_ header: [String], _ rows: [[String]]) -> String {
        "<table><tr>" + header.map { "<th>\($0)</th>" }.joined() + "</tr>"
            + rows.map { "<tr>" + $0.map { "<td>\($0)</td>" }.joined() + "</tr>" }.joined() + "</table>"
    }

    func runTable() -> String {
        table(["run", "mask", "model", "batch × steps", "kept share", "data"], runs.indices.map { i in
            guard let c = runs[i].config else {
                return [name(i), "–", "measured by hapax-shards analyze: " + SVGChart.escape(runs[i].path), "–", "–", "–"]
            }
            let m = c.model
            let kept = runs[i].metrics.map(\.keptShare).filter(\.isFinite)
            return [name(i), SVGChart.escape(c.training.mask + (c.training.mask == "hapax" ? " n=\(c.training.ngram)" : "")),
                    "\(m.layers) layers × \(m.width), \(m.heads) heads\(m.attentionOnly ? ", attention only" : ""), context \(m.context), vocabulary \(m.vocabSize)",
                    "\(c.training.batchSize) × \(c.training.steps)", Self.number(kept.isEmpty ? nil : kept.reduce(0, +) / Double(kept.count)),
                    SVGChart.escape(c.training.data)]
        })
    }

    func summaryTable() -> String {
        let rows: [[String]] = runs.indices.map { i in
            let a = runs[i].analysis, f = runs[i].fewShot
            let lastEval = runs[i].metrics.last { $0.valLossAll != nil }
            return [name(i),
                    Self.number(a?.lossAll ?? lastEval?.valLossAll), Self.number(a?.lossKept ?? lastEval?.valLossKept),
                    Self.number(a?.lossDropped ?? lastEval?.valLossDropped),
                    a.map { Self.number($0.uniform.bestHead) + ($0.frequent.map { " / " + Self.number($0.bestHead) } ?? "") } ?? "–",
                    a.map { "\($0.uniform.inductionHeads)" + ($0.frequent.map { " / \($0.inductionHeads)" } ?? "") } ?? "–",
                    a.map { Self.number($0.uniform.top10Mean) + ($0.frequent.map { " / " + Self.number($0.top10Mean) } ?? "") } ?? "–",
                    a.map { Self.number($0.uniform.repetitionAccuracy) + ($0.frequent.map { " / " + Self.number($0.repetitionAccuracy) } ?? "") } ?? "–",
                    Self.number(a?.iclScore), Self.family(f, .extractive), Self.family(f, .abstractive)]
        }
        return table(["run", "val loss", "kept", "dropped", "best head's PM", "induction heads", "top-10 PM", "repetition acc.", "token-loss diff.",
                      "few-shot extractive (95% interval)", "few-shot abstractive (95% interval)"], rows)
            + "<p class=\"note\">Validation losses split by the hapax n = 2 rule whatever the run trained with. Induction heads, prefix matching (PM) and repetition: on tokens drawn uniformly from the vocabulary / on tokens frequent in the training data. Token-loss difference: loss late in the window minus early (\(runs.compactMap { $0.analysis?.iclPositions }.first.map { "positions \($0[1]) and \($0[0])" } ?? "positions 500 and 50")); more negative means more in-context learning.</p>"
    }

    /// A family's pooled accuracy and its 95% interval, as the summary tables show it.
    static func family(_ report: FewShotReport?, _ family: FewShotTask.Family) -> String {
        guard let pooled = report?.familyAccuracies.first(where: { $0.family == family }) else { return "–" }
        return number(pooled.accuracy) + " (" + number(pooled.low, "%.2f") + "–" + number(pooled.high, "%.2f") + ")"
    }

    /// Few-shot accuracy by family, beside the induction-head charts: the paper's two claims side by side.
    func familyChart() -> String {
        let evaluated = runs.indices.filter { runs[$0].fewShot != nil }
        let families = FewShotTask.Family.allCases.filter { f in evaluated.contains { runs[$0].fewShot!.familyAccuracies.contains { $0.family == f } } }
        guard !families.isEmpty else { return "" }
        let series = evaluated.map { i in
            let pooled = families.map { f in runs[i].fewShot!.familyAccuracies.first { $0.family == f } }
            return (runs[i].name, color(i), pooled.map { $0?.accuracy }, pooled.map { $0.map { $0.low...$0.high } })
        }
        return chart("few-shot accuracy by family (\(runs[evaluated[0]].fewShot!.shots) shots)",
                     SVGChart.bars(categories: families.map(\.rawValue), series: series, xLabel: "accuracy (bars: 95% interval)"))
    }

    func lossCurves() -> String {
        var charts = ""
        let train = runs.indices.map { i in
            SVGChart.Series(name: runs[i].name, color: color(i), points: movingAverage(runs[i].metrics.compactMap { m in m.trainLoss.map { (Double(m.step), $0) } }, 20))
        }
        charts += chart("training loss (kept targets, moving average of 20 steps)", SVGChart.lines(train, xLabel: "step", yLabel: "loss"))
        let kinds: [(String, KeyPath<MetricsRecord, Double?>)] = [("all", \.valLossAll), ("kept", \.valLossKept), ("dropped", \.valLossDropped)]
        let all = runs.flatMap { $0.metrics.flatMap { m in kinds.compactMap { m[keyPath: $0.1] } } }.filter(\.isFinite)
        let range = all.isEmpty ? nil : (all.min()! - 0.1)...(all.max()! + 0.1)
        for (kind, path) in kinds {
            let series = runs.indices.map { i in
                SVGChart.Series(name: runs[i].name, color: color(i), points: runs[i].metrics.compactMap { m in m[keyPath: path].map { (Double(m.step), $0) } })
            }
            charts += chart("validation loss, \(kind) targets", SVGChart.lines(series, xLabel: "step", yLabel: "loss", yRange: range))
        }
        return "<div class=\"charts\">\(charts)</div><p class=\"note\">The three validation charts share their vertical axis. Kept and dropped: targets the hapax n = 2 rule keeps and drops in each run's own shards (over token classes, for a run trained on them), on the first validation windows; the final figures above split every run alike.</p>"
    }

    func inductionCurves() -> String {
        let measured = runs.filter { $0.metrics.contains { $0.induction != nil } }
        guard !measured.isEmpty else {
            return "<div class=\"charts\">\(familyChart())</div><p class=\"note\">No run recorded induction measures while training (hapax-train train --analyze-every K records them).</p>"
        }
        func series(_ value: @escaping (InductionSnapshot) -> Double?, _ frequentValue: @escaping (InductionSnapshot.Frequent) -> Double) -> [SVGChart.Series] {
            runs.indices.flatMap { i -> [SVGChart.Series] in
                let points = runs[i].metrics.compactMap { m in m.induction.flatMap(value).map { (Double(m.step), $0) } }
                let frequent = runs[i].metrics.compactMap { m in m.induction?.frequent.map { (Double(m.step), frequentValue($0)) } }
                    .filter { $0.1.isFinite }
                return [SVGChart.Series(name: runs[i].name, color: color(i), points: points)]
                    + (frequent.isEmpty ? [] : [SVGChart.Series(name: runs[i].name + " (frequent)", color: color(i), dashed: true, points: frequent)])
            }
        }
        let heads = Double(runs.compactMap { $0.config.map { $0.model.layers * $0.model.heads } }.max() ?? 1)
        return "<div class=\"charts\">"
            + chart("prefix-matching score of the best head",
                    SVGChart.lines(series({ $0.prefixMatching.joined().max() }, { $0.bestHead }), xLabel: "step", yLabel: "score", yRange: 0...1))
            + familyChart()
            + chart("mean prefix-matching score of the top 10 heads", SVGChart.lines(series({ $0.top10Mean }, { $0.top10Mean }), xLabel: "step", yLabel: "score", yRange: 0...1))
            + chart("induction heads (score ≥ 0.4)", SVGChart.lines(series({ Double($0.inductionHeads) }, { Double($0.inductionHeads) }), xLabel: "step", yLabel: "heads", yRange: 0...heads))
            + chart("repetition accuracy", SVGChart.lines(series({ $0.repetitionAccuracy }, { $0.repetitionAccuracy }), xLabel: "step", yLabel: "accuracy", yRange: 0...1))
            + "</div><p class=\"note\">Solid: random tokens uniform over the vocabulary; dashed: tokens frequent in the training data. Few-shot accuracy: every trial of a family's tasks pooled, at the end of training; extractive answers are in the prompt, abstractive ones are not.</p>"
    }

    func heatMaps() -> String {
        var charts = ""
        for run in runs {
            guard let a = run.analysis else { continue }
            for (kind, measures) in [("uniform tokens", a.uniform), ("frequent tokens", a.frequent)] {
                guard let m = measures else { continue }
                charts += chart("\(SVGChart.escape(run.name)), \(kind)", SVGChart.heatMap(m.prefixMatching, rowLabel: { "L\(m.attentionLayers?[$0] ?? $0)" }, columnLabel: { "H\($0)" }))
            }
        }
        return charts.isEmpty ? "<p class=\"note\">No run has been analyzed (hapax-train analyze --run RUN).</p>"
            : "<div class=\"charts\">\(charts)</div><p class=\"note\">Each cell is a head's mean attention from a token of the second copy of a repeated random sequence to the token that followed its first occurrence; an induction head scores near 1.</p>"
    }

    func repetition() -> String {
        let analyzed = runs.indices.filter { runs[$0].analysis != nil }
        guard !analyzed.isEmpty else { return "<p class=\"note\">No run has been analyzed.</p>" }
        let bars = SVGChart.bars(categories: ["uniform tokens", "frequent tokens"], series: analyzed.map { i in
            let a = runs[i].analysis!
            return (runs[i].name, color(i), [a.uniform.repetitionAccuracy, a.frequent?.repetitionAccuracy], [nil, nil])
        }, xLabel: "greedy accuracy on the last token of the second copy")
        let rows = analyzed.map { i -> [String] in
            let a = runs[i].analysis!
            return [name(i), Self.number(a.uniform.repetitionLossFirst), Self.number(a.uniform.repetitionLossSecond),
                    Self.number(a.frequent?.repetitionLossFirst), Self.number(a.frequent?.repetitionLossSecond)]
        }
        return "<div class=\"charts\">" + chart("repetition accuracy", bars) + "<div class=\"chart\"><h3>loss on each copy</h3>"
            + table(["run", "first (uniform)", "second (uniform)", "first (frequent)", "second (frequent)"], rows)
            + "<p class=\"note\">A model that copies has a much lower loss on the second copy.</p></div></div>"
    }

    func lossByPosition() -> String {
        let series = runs.indices.compactMap { i -> SVGChart.Series? in
            guard let losses = runs[i].analysis?.lossByPosition else { return nil }
            return SVGChart.Series(name: runs[i].name, color: color(i), points: movingAverage(losses.enumerated().map { (Double($0.offset + 1), $0.element) }, 8))
        }
        guard !series.isEmpty else { return "<p class=\"note\">No run has been analyzed with its validation shards.</p>" }
        return chart("mean validation loss at each target position (moving average of 8)", SVGChart.lines(series, xLabel: "position in the window", yLabel: "loss"))
            + "<p class=\"note\">Loss falls with position as the context helps; the paper's token-loss difference is the late minus the early value.</p>"
    }

    func fewShot() -> String {
        let evaluated = runs.indices.filter { runs[$0].fewShot != nil }
        guard !evaluated.isEmpty else { return "<p class=\"note\">No run has few-shot results (hapax-train icl --run RUN).</p>" }
        var tasks: [(name: String, family: String)] = []
        for i in evaluated {
            for t in runs[i].fewShot!.tasks where !tasks.contains(where: { $0.name == t.task }) { tasks.append((t.task, t.family.rawValue)) }
        }
        tasks.sort { $0.family != $1.family ? $0.family > $1.family : false }
        var content = "<div class=\"charts\">"
        for family in ["extractive", "abstractive", "file"] {
            let names = tasks.filter { $0.family == family }.map(\.name)
            guard !names.isEmpty else { continue }
            let series = evaluated.map { i in
                let results = runs[i].fewShot!.tasks
                let found = names.map { n in results.first { $0.task == n } }
                return (runs[i].name, color(i), found.map { $0?.accuracy }, found.map { $0.map { $0.low...$0.high } })
            }
            content += chart("\(family) tasks", SVGChart.bars(categories: names, series: series, xLabel: "accuracy (bars: 95% interval)"))
        }
        content += "</div>"
        let families = ["extractive", "abstractive", "file"].filter { f in evaluated.contains { runs[$0].fewShot!.families[f] != nil } }
        content += table(["run", "shots"] + families.map { "mean \($0)" }, evaluated.map { i in
            [name(i), "\(runs[i].fewShot!.shots)"] + families.map { Self.number(runs[i].fewShot!.families[$0]) }
        })
        return content + "<p class=\"note\">Extractive tasks have the answer in the prompt, so copying helps; abstractive ones do not.</p>"
    }

    func datasetProfiles() -> String {
        guard !datasets.isEmpty else { return "<p class=\"note\">The runs' shard folders could not be read.</p>" }
        let series = datasets.enumerated().map { d, profile in
            SVGChart.Series(name: URL(fileURLWithPath: profile.path).lastPathComponent, color: Self.palette[(d + 4) % Self.palette.count],
                            points: profile.byPosition.map { (Double($0.position), $0.share) })
        }
        return chart("share of targets hapax n = 2 drops, by position (train split)", SVGChart.lines(series, xLabel: "position in the window", yLabel: "dropped share",
                                                                                      yRange: 0...max(0.05, 1.15 * (datasets.flatMap { $0.byPosition.map(\.share) }.max() ?? 0))))
            + table(["shard folder", "dropped share"], datasets.map { [SVGChart.escape($0.path), Self.number($0.droppedShare)] })
            + "<p class=\"note\">Later positions have more context in which a bigram can have occurred before, so more of them are dropped.</p>"
    }

    func movingAverage(_ points: [(Double, Double)], _ width: Int) -> [(x: Double, y: Double)] {
        guard points.count > width else { return points.map { (x: $0.0, y: $0.1) } }
        var result: [(x: Double, y: Double)] = [], sum = 0.0
        for (i, point) in points.enumerated() {
            sum += point.1
            if i >= width { sum -= points[i - width].1 }
            if i >= width - 1 { result.append((x: point.0, y: sum / Double(width))) }
        }
        return result
    }
}
