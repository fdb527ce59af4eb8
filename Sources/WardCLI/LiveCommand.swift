import ArgumentParser
import Foundation
import WardEngine
import WardOutput

/// `wardwatch live`: the appliance mode on a mirror port.
struct LiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "Capture on a network interface (a switch mirror/SPAN port) until SIGINT or SIGTERM."
    )

    @OptionGroup var common: CommonOptions

    @OptionGroup var site: SiteOptions

    @Option(name: [.short, .long], help: "The interface to capture on.")
    var interface: String

    @Option(name: .long, help: "Drop root privileges to this user once the capture is open.")
    var user: String?

    @Option(name: .long, help: ArgumentHelp("Stop after this many seconds.", valueName: "seconds"))
    var duration: Double?

    @Option(name: .long, help: "Kernel ring buffer size in MiB.")
    var bufferMib: Int32 = 64

    mutating func run() throws {
        var options = try common.runOptions(interface: interface)
        options.detection = try site.detectionEngine()
        var settings = Live.CaptureSettings(interface: interface)
        settings.user = user
        settings.duration = duration
        settings.bufferSize = bufferMib * 1024 * 1024
        let quiet = common.quiet
        let report: RunReport
        do {
            let site = self.site
            report = try Live.run(
                settings: settings, options: options,
                onStart: { warning in
                if let warning { FileHandle.standardError.write(Data("wardwatch: warning: \(warning)\n".utf8)) }
                if !quiet {
                    FileHandle.standardError.write(Data("wardwatch: capturing on \(settings.interface)\n".utf8))
                }
            },
                reload: { site.reload(into: &$0) })
        } catch {
            throw InputFailure(message: error.description)
        }
        if common.printsSummary { Summary.print(report) }
        for problem in report.problems {
            FileHandle.standardError.write(Data("wardwatch: \(problem)\n".utf8))
        }
        if !report.problems.isEmpty { throw ExitCode(1) }
    }
}
