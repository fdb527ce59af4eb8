import Foundation
import WardEngine

/// The replay progress line on standard error: bytes read of the total, packets per second, and time left (for a
/// stream, packets and packets per second).
struct ProgressBar {
    private let enabled: Bool
    private let started = Date()
    private var lastDrawn = Date.distantPast
    private var drewSomething = false

    init(enabled: Bool) {
        self.enabled = enabled
    }

    mutating func update(_ progress: ReplayProgress) {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDrawn) >= 0.2 else { return }
        lastDrawn = now
        let elapsed = max(now.timeIntervalSince(started), 0.001)
        let rate = Double(progress.packets) / elapsed
        guard progress.totalBytes > 0 else {
            // Standard input or a pipe: no total to measure against.
            let line = String(format: "\r%@ packets  %@ pkt/s  (stream) ", Self.count(Double(progress.packets)), Self.count(rate))
            FileHandle.standardError.write(Data(line.utf8))
            drewSomething = true
            return
        }
        let fraction = progress.totalBytes > 0 ? min(1, Double(progress.bytesRead) / Double(progress.totalBytes)) : 1
        let width = 24
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let remaining = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
        let line = String(
            format: "\r[%@] %3.0f%%  %@ / %@  %@ pkt/s  ETA %@ ", bar, fraction * 100,
            Self.bytes(progress.bytesRead), Self.bytes(progress.totalBytes), Self.count(rate),
            Self.duration(remaining))
        FileHandle.standardError.write(Data(line.utf8))
        drewSomething = true
    }

    mutating func finish() {
        if drewSomething { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    static func bytes(_ value: Int64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var scaled = Double(value)
        var unit = 0
        while scaled >= 1000 && unit < units.count - 1 {
            scaled /= 1000
            unit += 1
        }
        return unit == 0 ? "\(value) B" : String(format: "%.1f %@", scaled, units[unit])
    }

    static func count(_ value: Double) -> String {
        switch value {
        case 1e6...: String(format: "%.2fM", value / 1e6)
        case 1e3...: String(format: "%.1fk", value / 1e3)
        default: String(format: "%.0f", value)
        }
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
    }
}
