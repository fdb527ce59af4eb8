import ArgumentParser
import Foundation
import WardAnomaly
import WardCapture
import WardEngine
import WardOutput

/// `wardwatch replay`: forensic replay of pcap/pcapng files or directories, in time order.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay pcap/pcapng files (or directories of rotated files) in time order."
    )

    @OptionGroup var common: CommonOptions

    @OptionGroup var site: SiteOptions

    @OptionGroup var state: StateOptions

    @Argument(help: ArgumentHelp("Capture files or directories.", valueName: "pcap|pcapng|dir"))
    var paths: [String]

    mutating func run() throws {
        var options = try common.runOptions()
        try site.apply(to: &options)
        let store = try state.restore(into: &options.detection)
        options.keepsState = store != nil
        let showProgress = !common.quiet && (common.progress || isatty(STDERR_FILENO) == 1)
        var bar = ProgressBar(enabled: showProgress)
        let report: RunReport
        do {
            report = try Replay.run(paths: paths, options: options) { bar.update($0) }
        } catch {
            throw InputFailure(message: error.message)
        }
        bar.finish()
        if let store, let snapshot = report.state {
            try store.save(snapshot, vendors: options.detection.signatures.macVendors)
        }
        if common.printsSummary { Summary.print(report) }
        try report.exitForProblems()
    }
}
