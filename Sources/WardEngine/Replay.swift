import WardAnomaly
import WardCapture
import WardCore
import WardFlows
import WardOutput
import WardPacket

/// Forensic replay: capture files in time order through one engine, flows written off-thread, then host and
/// statistics records. Driven by packet time only, so it gives what the live run that recorded the files gave.
public enum Replay {
    /// Replays `paths` (files or directories).
    /// - Parameter progress: called about every 64 Ki packets and at the end, for the progress bar.
    /// - Throws: `PcapError.filterInvalid` for a bad BPF filter; unreadable files are reported in `problems`.
    public static func run(
        paths: [String], options: RunOptions, progress: (ReplayProgress) -> Void = { _ in }
    ) throws(PcapError) -> RunReport {
        var source = try FileReplay(paths: FileReplay.expand(paths), filter: options.filter)
        if options.workers > 1 {
            return ParallelReplay.run(source: &source, workers: options.workers, options: options, progress: progress)
        }
        let output = OutputThread(observer: options.observer, destination: options.events, syslog: options.syslog,
                                  metrics: options.metrics)
        output.start()
        var engine = Engine(
            configuration: options.flowTable, analysis: options.analysis, detection: options.detection, metrics: options.metrics,
            ring: options.events == nil && options.syslog.isEmpty ? nil : output.ring, emitsFlows: options.emitFlows, waitWhenFull: true)
        engine.learningOnly = options.learnOnly
        let totalBytes = source.totalBytes
        let packets = source.forEachPacket(
            progressEvery: 0x10000,
            progress: { progress(ReplayProgress(bytesRead: $0, totalBytes: totalBytes, packets: $1)) }
        ) { packet, linkType in
            engine.process(
                packet.bytes.bytes, wireLength: packet.wireLength, linkType: LinkType(rawValue: linkType),
                time: packet.time)
        }
        progress(ReplayProgress(bytesRead: totalBytes, totalBytes: totalBytes, packets: packets))
        engine.finish()
        output.finish()
        return finishRun(engine: &engine, output: output, options: options, problems: source.problems)
    }
}

/// What a run ends with, from one engine or merged from several workers.
struct RunTotals {
    var statistics: SensorStatistics
    var hosts: [HostRecord]
    var macs: [MACRecord]
    /// What the detectors learned, when the run keeps it (``RunOptions/keepsState``).
    var learned: LearnedState?
    var alertLines: [String]
    var firstPacketTime: PacketTime?
    var lastPacketTime: PacketTime
}

/// Writes the end-of-run host and statistics records and builds the report (shared by replay and live).
func finishRun(engine: inout Engine, output: OutputThread, options: RunOptions, problems: [String],
               kernelDrops: (dropped: UInt64, interfaceDropped: UInt64)? = nil) -> RunReport {
    // Every host is ordered (and every MAC) only for what writes them all; the report needs only the busiest.
    let writesAllHosts = options.keepsState || (options.emitHosts && options.events != nil)
    let totals = RunTotals(
        statistics: engine.currentStatistics,
        hosts: writesAllHosts ? engine.flows.hosts.allHosts : engine.flows.hosts.busiestHosts(RunReport.topTalkerCount),
        macs: options.keepsState ? engine.flows.hosts.allMACs : [],
        learned: options.keepsState ? engine.detection.learnedState() : nil, alertLines: engine.alertLines,
        firstPacketTime: engine.firstPacketTime, lastPacketTime: engine.now)
    return finishRun(totals, output: output, options: options, problems: problems, kernelDrops: kernelDrops)
}

/// Writes the end-of-run host and statistics records and builds the report from a run's totals.
func finishRun(_ totals: RunTotals, output: OutputThread, options: RunOptions, problems: [String],
               kernelDrops: (dropped: UInt64, interfaceDropped: UInt64)? = nil) -> RunReport {
    var statistics = totals.statistics
    if let kernelDrops {
        statistics.kernelDrops = kernelDrops.dropped
        statistics.interfaceDrops = kernelDrops.interfaceDropped
    }
    let hosts = totals.hosts
    if let events = options.events {
        var formatter = EventFormatter(observer: options.observer)
        if options.emitHosts {
            for host in hosts {
                formatter.render(host: host)
                formatter.writer.withBytes { events.write(line: $0) }
            }
        }
        formatter.render(statistics: statistics, at: totals.lastPacketTime)
        formatter.writer.withBytes { events.write(line: $0) }
        events.flush()
    }
    var allProblems = problems
    if let failure = options.events?.failure { allProblems.append(failure) }
    // By index, so that the records are not moved while sorting.
    let topTalkers = hosts.indices.sorted { HostRecord.isBusier(hosts[$0], than: hosts[$1]) }
        .prefix(RunReport.topTalkerCount).map { hosts[$0] }
    return RunReport(
        statistics: statistics, problems: allProblems, topTalkers: topTalkers,
        flowsWritten: output.flowsWritten, protocolRecordsWritten: output.protocolRecordsWritten,
        alerts: totals.alertLines,
        firstPacketTime: totals.firstPacketTime, lastPacketTime: totals.lastPacketTime,
        state: totals.learned.map { StateSnapshot(learned: $0, macs: totals.macs, hosts: hosts) })
}
