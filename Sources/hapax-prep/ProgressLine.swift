import Foundation
import CorpusFormats
import Preprocessing

/// A status line on standard error: redrawn in place on a terminal, printed every ten seconds
/// otherwise (logs of batch jobs).
final class ProgressLine {
    private let start = DispatchTime.now()
    private var lastPrint = DispatchTime.now()
    private let interactive = isatty(STDERR_FILENO) != 0
    private var drawn = false

    var elapsed: Double { seconds(since: start) }

    func update(_ text: @autoclosure () -> String) {
        let now = DispatchTime.now()
        let interval = interactive ? 0.2 : 10
        guard Double(now.uptimeNanoseconds - lastPrint.uptimeNanoseconds) / 1e9 >= interval else { return }
        lastPrint = now
        if interactive {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + text()).utf8))
            drawn = true
        } else {
            printError(text())
        }
    }

    func finish() {
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        drawn = false
    }
}

func duration(_ seconds: Double) -> String {
    let total = Int(seconds.rounded())
    return total >= 3600 ? String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
        : String(format: "%d:%02d", total / 60, total % 60)
}

func count(_ value: Int) -> String {
    switch value {
    case 1_000_000_000...: return String(format: "%.2fG", Double(value) / 1e9)
    case 1_000_000...: return String(format: "%.2fM", Double(value) / 1e6)
    case 10_000...: return String(format: "%.1fk", Double(value) / 1e3)
    default: return String(value)
    }
}

func megabytesPerSecond(_ bytes: Int, _ seconds: Double) -> String {
    String(format: "%.2f MB/s", Double(bytes) / 1e6 / max(seconds, 1e-9))
}
