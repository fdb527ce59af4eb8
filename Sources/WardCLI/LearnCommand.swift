import ArgumentParser
import Foundation
import WardAnomaly
import WardCapture
import WardEngine
import WardState

/// `wardwatch learn`: builds the device inventory and the detectors' baselines into the state DB, from capture files or
/// a live period, raising no alerts (what it would have raised is listed for review).
struct LearnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "learn",
        abstract: "Learn the inventory and baselines into the state DB from pcaps or a live period (no alerts).",
        discussion: """
            wardwatch learn --state state.db normal-week/*.pcap
            wardwatch learn --state state.db --interface eth1 --duration 86400
            Everything seen while learning counts as normal: review the withheld alerts it lists.
            """
    )

    @OptionGroup var common: CommonOptions

    @OptionGroup var site: SiteOptions

    @OptionGroup var state: StateOptions

    @Option(name: [.short, .long], help: "Learn from this interface instead of files (with --duration).")
    var interface: String?

    @Option(name: .long, help: "Drop root privileges to this user once the capture is open.")
    var user: String?

    @Option(name: .long, help: ArgumentHelp("Learn for this many seconds (live).", valueName: "seconds"))
    var duration: Double?

    @Argument(help: ArgumentHelp("Capture files or directories.", valueName: "pcap|pcapng|dir"))
    var paths: [String] = []

    func validate() throws {
        guard state.state != nil else { throw ValidationError("learn needs --state (where to keep what it learns)") }
        guard (interface == nil) != paths.isEmpty else {
            throw ValidationError("give capture files or --interface, not both or neither")
        }
        if interface != nil && duration == nil { throw ValidationError("--interface needs --duration") }
    }

    mutating func run() throws {
        var options = try common.runOptions(interface: interface)
        try site.apply(to: &options)
        options.learnOnly = true
        guard let store = try state.restore(into: &options.detection) else { return }
        options.keepsState = true
        let report: RunReport
        if let interface {
            var capture = try CaptureOptions.parse(["--interface", interface])
            capture.user = user
            capture.duration = duration
            report = try capture.run(options: options, store: store, checkpointSeconds: nil, site: site, quiet: common.quiet)
        } else {
            var bar = ProgressBar(enabled: !common.quiet && (common.progress || isatty(STDERR_FILENO) == 1))
            do {
                report = try Replay.run(paths: paths, options: options) { bar.update($0) }
            } catch {
                throw InputFailure(message: error.message)
            }
            bar.finish()
        }
        if let snapshot = report.state {  // always: `keepsState` is set
            try store.save(snapshot, vendors: options.detection.signatures.macVendors)
        }
        if !common.quiet {
            if common.printsSummary { Summary.print(report, learning: true) }
            let devices = (try? store.devices().count) ?? 0
            let learned = report.state?.learned
            print(
                "learned: \(devices) devices, \(learned?.facts.count ?? 0) facts, "
                    + "\(learned?.baselines.count ?? 0) baselines in \(store.path)")
        }
        try report.exitForProblems()
    }
}
