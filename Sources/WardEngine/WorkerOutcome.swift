import Foundation
import WardAnomaly
import WardCore
import WardFlows
import WardOutput

/// What one worker thread of a `--workers` run (replay or live) leaves behind when it ends: its counters and its
/// host, peer-pair and MAC tables, handed over once the thread signals `done`.
final class WorkerOutcome: @unchecked Sendable {
    var statistics = SensorStatistics()
    var hosts: [HostRecord] = []
    var peerPairs: [(IPAddress, IPAddress)] = []
    var macs: [MACRecord] = []
    var firstPacketTime: PacketTime?
    var lastPacketTime: PacketTime = .zero
    /// The worker's capture handle's drop counters (live only).
    var kernelDrops: (dropped: UInt64, interfaceDropped: UInt64)?
    /// Why the worker stopped early, if it did (live only).
    var problem: String?
    let done = DispatchSemaphore(value: 0)

    /// Takes the final state of the worker's engine (after `finish()`) and signals `done`.
    func complete(with engine: borrowing Engine) {
        statistics = engine.currentStatistics
        hosts = engine.flows.hosts.allHosts
        peerPairs = engine.flows.hosts.peerPairList
        macs = engine.flows.hosts.allMACs
        firstPacketTime = engine.firstPacketTime
        lastPacketTime = engine.now
        done.signal()
    }
}

extension RunTotals {
    /// The totals of a run over several workers, as one engine would have them: counters added up, host and MAC
    /// tables merged (peers counted over the union of peer pairs), alerts and detector tables from the coordinator.
    init(
        merging outcomes: [WorkerOutcome], coordinator: DetectionCoordinator, detection: DetectionEngine,
        keepsState: Bool
    ) {
        var statistics = SensorStatistics()
        for outcome in outcomes { statistics.add(outcome.statistics) }
        let hosts = HostRecordMerge.merge(outcomes.map(\.hosts), peerPairs: outcomes.map(\.peerPairs))
        let macs = HostRecordMerge.merge(outcomes.map(\.macs))
        statistics.hosts = hosts.count
        statistics.macs = macs.count
        statistics.alerts = coordinator.alerts
        statistics.reloads = coordinator.reloads
        let tables = detection.statistics
        statistics.detectorEvictions = UInt64(tables.tableEvictions)
        statistics.alertsDropped = UInt64(tables.droppedAlerts)
        self.init(
            statistics: statistics, hosts: hosts, macs: macs, learned: keepsState ? detection.learnedState() : nil,
            alertLines: coordinator.alertLines, firstPacketTime: outcomes.compactMap(\.firstPacketTime).min(),
            lastPacketTime: outcomes.map(\.lastPacketTime).max() ?? .zero)
    }
}
