import ArgumentParser
import Foundation
import WardAnomaly
import WardEngine
import WardOutput
import WardState

/// `wardwatch live`: the appliance mode on a mirror port.
struct LiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "Capture on a network interface (a switch mirror/SPAN port) until SIGINT or SIGTERM."
    )

    @OptionGroup var common: CommonOptions

    @OptionGroup var site: SiteOptions

    @OptionGroup var state: StateOptions

    @OptionGroup var capture: CaptureOptions

    @Option(name: .long, help: ArgumentHelp("Save the state DB this often while running.", valueName: "seconds"))
    var checkpointSeconds: Double = 300

    func validate() throws {
        guard checkpointSeconds > 0 else { throw ValidationError("--checkpoint-seconds must be positive") }
    }

    mutating func run() throws {
        var options = try common.runOptions(interface: capture.interface)
        try site.apply(to: &options)
        let store = try state.restore(into: &options.detection)
        options.keepsState = store != nil
        let report = try capture.run(
            options: options, store: store, checkpointSeconds: checkpointSeconds, site: site, quiet: common.quiet)
        if let store, let snapshot = report.state {
            try store.save(snapshot, vendors: options.detection.signatures.macVendors)
        }
        if common.printsSummary { Summary.print(report) }
        try report.exitForProblems()
    }
}

/// `--interface`, `--user`, `--duration`, `--buffer-mib`: a live capture (for `live` and `learn`).
struct CaptureOptions: ParsableArguments {
    @Option(name: [.short, .long], help: "The interface to capture on.")
    var interface: String

    @Option(name: .long, help: "Drop root privileges to this user once the capture is open.")
    var user: String?

    @Option(name: .long, help: ArgumentHelp("Stop after this many seconds.", valueName: "seconds"))
    var duration: Double?

    @Option(name: .long, help: "Kernel ring buffer size in MiB.")
    var bufferMib: Int32 = 64

    /// Captures until a signal or the duration, saving to `store` every `checkpointSeconds` (when given).
    func run(
        options: RunOptions, store: StateStore?, checkpointSeconds: Double?, site: SiteOptions, quiet: Bool
    ) throws -> RunReport {
        var options = options
        var settings = Live.CaptureSettings(interface: interface)
        settings.user = user
        settings.duration = duration
        settings.bufferSize = bufferMib * 1024 * 1024
        if let store, let user, geteuid() == 0 {
            // The DB stays open across the switch; its files must belong to the account that writes them later.
            guard let entry = getpwnam(user) else { throw InputFailure(message: "unknown user '\(user)' for --user") }
            for path in [store.path, store.path + "-wal", store.path + "-shm"] {
                _ = chown(path, entry.pointee.pw_uid, entry.pointee.pw_gid)
            }
        }
        if let store, let checkpointSeconds {
            let vendors = options.detection.signatures.macVendors
            options.checkpoint = Checkpoint(interval: checkpointSeconds) { snapshot in
                do {
                    try store.save(learned: snapshot.learned, macs: snapshot.macs, hosts: snapshot.hosts, vendors: vendors)
                    return nil
                } catch {
                    return "\(error)"
                }
            }
        }
        do {
            return try Live.run(
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
    }
}

extension RunReport {
    /// Prints each problem on standard error and exits 1 when there was one.
    func exitForProblems() throws {
        for problem in problems {
            FileHandle.standardError.write(Data("wardwatch: \(problem)\n".utf8))
        }
        if !problems.isEmpty { throw ExitCode(1) }
    }
}
