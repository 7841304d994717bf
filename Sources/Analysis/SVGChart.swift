import Foundation

/// Small self-contained SVG charts for the report: line charts on shared axes, grouped bars with
/// intervals, and heat maps. Each returns one `<svg>` element; nothing is fetched or scripted.
public enum SVGChart {
    public struct Series {
        public var name: String
        public var color: String
        public var dashed: Bool
        public var points: [(x: Double, y: Double)]

        public init(name: String, color: String, dashed: Bool = false, points: [(x: Double, y: Double)]) {
            self.name = name
            self.color = color
            self.dashed = dashed
            self.points = points
        }
    }

    static let width = 460.0, height = 280.0
    static let margin = (left: 56.0, right: 24.0, top: 14.0, bottom: 40.0)

    /// Round tick values covering `low … high`, about `count` of them.
    static func ticks(_ low: Double, _ high: Double, count: Int = 5) -> [Double] {
        guard high > low else { return [low] }
        let raw = (high - low) / Double(count)
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        var values: [Double] = []
        var value = (low / step).rounded(.up) * step
        while value <= high + step * 1e-9 {
            values.append(abs(value) < step * 1e-9 ? 0 : value)
            value += step
        }
        return values
    }

    static func label(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e6 { return String(Int(value)) }
        return String(format: abs(value) >= 100 ? "%.0f" : abs(value) >= 1 ? "%.2f" : "%.3f", value)
            .replacingOccurrences(of: "0+$", with: "", options: .regularExpression)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// A line chart of every series on shared axes; `yRange` fixes the vertical axis (to share it
    /// between charts), otherwise it fits the data.
    public static func lines(_ series: [Series], xLabel: String, yLabel: String, yRange: ClosedRange<Double>? = nil) -> String {
        let points = series.flatMap(\.points).filter { $0.y.isFinite }
        guard let first = points.first else { return empty("no data") }
        var (x0, x1) = points.reduce((first.x, first.x)) { (min($0.0, $1.x), max($0.1, $1.x)) }
        var (y0, y1) = yRange.map { ($0.lowerBound, $0.upperBound) } ?? points.reduce((first.y, first.y)) { (min($0.0, $1.y), max($0.1, $1.y)) }
        if x1 == x0 { x0 -= 1; x1 += 1 }
        if y1 == y0 { y0 -= 0.5; y1 += 0.5 }
        if yRange == nil { let pad = (y1 - y0) * 0.05; y0 -= pad; y1 += pad }
        let plot = (w: width - margin.left - margin.right, h: height - margin.top - margin.bottom)
        func sx(_ x: Double) -> Double { margin.left + (x - x0) / (x1 - x0) * plot.w }
        func sy(_ y: Double) -> Double { margin.top + (1 - (y - y0) / (y1 - y0)) * plot.h }
        var svg = frame(xLabel: xLabel, yLabel: yLabel)
        for t in ticks(y0, y1) {
            svg += String(format: #"<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" class="grid"/>"#, margin.left, margin.left + plot.w, sy(t), sy(t))
            svg += String(format: #"<text x="%.1f" y="%.1f" class="tick" text-anchor="end">%@</text>"#, margin.left - 5, sy(t) + 4, label(t))
        }
        for t in ticks(x0, x1) {
            svg += String(format: #"<text x="%.1f" y="%.1f" class="tick" text-anchor="middle">%@</text>"#, sx(t), margin.top + plot.h + 15, label(t))
        }
        for s in series {
            let visible = s.points.filter { $0.y.isFinite }
            guard !visible.isEmpty else { continue }
            if visible.count == 1 {
                svg += String(format: #"<circle cx="%.1f" cy="%.1f" r="3" fill="%@"/>"#, sx(visible[0].x), sy(visible[0].y), s.color)
                continue
            }
            let path = visible.map { String(format: "%.1f,%.1f", sx($0.x), sy(min(max($0.y, y0), y1))) }.joined(separator: " ")
            svg += #"<polyline points="\#(path)" fill="none" stroke="\#(s.color)" stroke-width="1.8"\#(s.dashed ? #" stroke-dasharray="5 3""# : "")/>"#
        }
        return svg + legend(series.map { ($0.name, $0.color, $0.dashed) }) + "</svg>"
    }

    /// Grouped horizontal bars: one group per category, one bar per series, with optional intervals.
    public static func bars(categories: [String], series: [(name: String, color: String, values: [Double?], intervals: [ClosedRange<Double>?])],
                            xLabel: String, maximum: Double = 1) -> String {
        let barHeight = 9.0, gap = 8.0, left = 170.0
        let groupHeight = Double(series.count) * barHeight + gap
        let plotWidth = width - left - margin.right
        let total = margin.top + Double(categories.count) * groupHeight + 48
        var svg = #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(Int(width))" height="\#(Int(total))" viewBox="0 0 \#(Int(width)) \#(Int(total))">"#
        let bottom = margin.top + Double(categories.count) * groupHeight
        for t in ticks(0, maximum) {
            let x = left + t / maximum * plotWidth
            svg += String(format: #"<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" class="grid"/>"#, x, x, margin.top, bottom)
            svg += String(format: #"<text x="%.1f" y="%.1f" class="tick" text-anchor="middle">%@</text>"#, x, bottom + 14, label(t))
        }
        for (c, category) in categories.enumerated() {
            let top = margin.top + Double(c) * groupHeight
            svg += String(format: #"<text x="%.1f" y="%.1f" class="tick" text-anchor="end">%@</text>"#, left - 6,
                          top + Double(series.count) * barHeight / 2 + 4, escape(category))
            for (s, entry) in series.enumerated() {
                guard c < entry.values.count, let value = entry.values[c] else { continue }
                let y = top + Double(s) * barHeight
                svg += String(format: #"<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%@"/>"#, left, y,
                              max(0.5, min(value, maximum) / maximum * plotWidth), barHeight - 1.5, entry.color)
                if c < entry.intervals.count, let interval = entry.intervals[c] {
                    svg += String(format: #"<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" class="whisker"/>"#,
                                  left + interval.lowerBound / maximum * plotWidth, left + interval.upperBound / maximum * plotWidth,
                                  y + (barHeight - 1.5) / 2, y + (barHeight - 1.5) / 2)
                }
            }
        }
        svg += String(format: #"<text x="%.1f" y="%.1f" class="axis" text-anchor="middle">%@</text>"#, left + plotWidth / 2, bottom + 32, escape(xLabel))
        return svg + "</svg>"
    }

    /// A heat map of `values[row][column]` in 0 … 1, each cell labelled with its value.
    public static func heatMap(_ values: [[Double]], rowLabel: (Int) -> String, columnLabel: (Int) -> String) -> String {
        let columns = values.map(\.count).max() ?? 0
        let cell = min(44.0, max(22.0, 360.0 / Double(max(columns, 1))))
        let left = 36.0, top = 20.0
        let w = left + Double(columns) * cell + 8, h = top + Double(values.count) * cell + 8
        var svg = #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(Int(w))" height="\#(Int(h))" viewBox="0 0 \#(Int(w)) \#(Int(h))">"#
        for c in 0..<columns {
            svg += String(format: #"<text x="%.1f" y="%.1f" class="tick" text-anchor="middle">%@</text>"#, left + (Double(c) + 0.5) * cell, top - 6, columnLabel(c))
        }
        for (r, row) in values.enumerated() {
            svg += String(format: #"<text x="%.1f" y="%.1f" class="tick" text-anchor="end">%@</text>"#, left - 5, top + (Double(r) + 0.5) * cell + 4, rowLabel(r))
            for (c, value) in row.enumerated() {
                let v = value.isFinite ? min(max(value, 0), 1) : 0
                // White to a deep red-purple: darker is a stronger induction head.
                let color = String(format: "rgb(%d,%d,%d)", Int(255 - 120 * v), Int(255 - 225 * v), Int(255 - 150 * v))
                svg += String(format: #"<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%@" stroke="white"/>"#,
                              left + Double(c) * cell, top + Double(r) * cell, cell, cell, color)
                if cell >= 28 {
                    svg += String(format: #"<text x="%.1f" y="%.1f" class="cell" text-anchor="middle" fill="%@">%@</text>"#,
                                  left + (Double(c) + 0.5) * cell, top + (Double(r) + 0.5) * cell + 3.5, v > 0.5 ? "white" : "black",
                                  String(format: "%.2f", value).replacingOccurrences(of: "0.", with: "."))
                }
            }
        }
        return svg + "</svg>"
    }

    static func frame(xLabel: String, yLabel: String) -> String {
        let plot = (w: width - margin.left - margin.right, h: height - margin.top - margin.bottom)
        var svg = #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(Int(width))" height="\#(Int(height))" viewBox="0 0 \#(Int(width)) \#(Int(height))">"#
        svg += String(format: #"<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" class="plot"/>"#, margin.left, margin.top, plot.w, plot.h)
        svg += String(format: #"<text x="%.1f" y="%.1f" class="axis" text-anchor="middle">%@</text>"#, margin.left + plot.w / 2, height - 6, escape(xLabel))
        svg += String(format: #"<text transform="translate(14 %.1f) rotate(-90)" class="axis" text-anchor="middle">%@</text>"#, margin.top + plot.h / 2, escape(yLabel))
        return svg
    }

    /// The legend along the top of the plot, wrapping onto more rows when the entries do not fit.
    static func legend(_ entries: [(String, String, Bool)]) -> String {
        var svg = "", x = margin.left + 8, y = margin.top + 10
        for (name, color, dashed) in entries {
            let entryWidth = 28 + Double(name.count) * 6.2
            if x + entryWidth > width - margin.right, x > margin.left + 8 {
                x = margin.left + 8
                y += 14
            }
            svg += String(format: #"<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%@" stroke-width="2"%@/>"#, x, x + 16, y, y,
                          color, dashed ? #" stroke-dasharray="4 2""# : "")
            svg += String(format: #"<text x="%.1f" y="%.1f" class="legend">%@</text>"#, x + 20, y + 4, escape(name))
            x += entryWidth
        }
        return svg
    }

    static func empty(_ message: String) -> String {
        #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(Int(width))" height="60"><text x="10" y="30" class="axis">\#(escape(message))</text></svg>"#
    }
}
