import Foundation
import WardCore
import WardEngine
import WardFlows
import WardOutput

/// The readable end-of-run summary on standard output: totals, busiest hosts, decode anomalies.
enum Summary {
    /// - Parameter learning: the run only learned (`wardwatch learn`): its alerts were withheld, listed for review.
    static func print(_ report: RunReport, learning: Bool = false) {
        let statistics = report.statistics
        var lines: [String] = []
        var span = "no packets"
        if let first = report.firstPacketTime {
            let seconds = Double(report.lastPacketTime.nanoseconds(since: first)) / 1e9
            span = "\(timestamp(first)) to \(timestamp(report.lastPacketTime)) (\(ProgressBar.duration(seconds)))"
        }
        lines.append("WardWatch summary")
        if !report.alerts.isEmpty {
            lines.append("")
            lines.append(
                learning
                    ? "  WITHHELD WHILE LEARNING (\(statistics.alerts)): learned as normal; check none is an attack"
                    : "  ALERTS (\(statistics.alerts))")
            for alert in report.alerts { lines.append("  ! \(alert)") }
            if statistics.alerts > UInt64(report.alerts.count) {
                lines.append("  ... and \(statistics.alerts - UInt64(report.alerts.count)) more in the events")
            }
            lines.append("")
        }
        lines.append("  capture time   \(span)")
        lines.append(
            "  packets        \(statistics.packets) (\(ProgressBar.bytes(Int64(clamping: statistics.bytes)))): "
                + "IPv4 \(statistics.ipv4Packets), IPv6 \(statistics.ipv6Packets), ARP \(statistics.arpPackets), "
                + "other \(statistics.otherPackets)")
        lines.append(
            "  flows          \(statistics.flowsCreated) (evicted \(statistics.flowsEvicted))"
                + (report.flowsWritten > 0 ? ", \(report.flowsWritten) records written" : ""))
        lines.append("  hosts          \(statistics.hosts) IP addresses, \(statistics.macs) MAC addresses")
        lines.append(
            "  analysed       DICOM \(statistics.dicomSessions), HL7 \(statistics.hl7Sessions), SMB \(statistics.smbSessions) "
                + "connections; \(report.protocolRecordsWritten) protocol records"
                + (statistics.reassemblyGapBytes > 0 ? "; \(statistics.reassemblyGapBytes) bytes lost to gaps" : ""))
        if let drops = statistics.kernelDrops {
            lines.append("  kernel drops   \(drops) (interface \(statistics.interfaceDrops ?? 0))")
        }
        if !report.topTalkers.isEmpty {
            lines.append("")
            lines.append("  top talkers    address                                   sent        received    peers")
            for host in report.topTalkers.prefix(5) {
                let address = host.address.description.padding(toLength: 40, withPad: " ", startingAt: 0)
                let sent = ProgressBar.bytes(Int64(clamping: host.sent.bytes)).padding(toLength: 12, withPad: " ", startingAt: 0)
                let received = ProgressBar.bytes(Int64(clamping: host.received.bytes)).padding(
                    toLength: 12, withPad: " ", startingAt: 0)
                lines.append("                 \(address)  \(sent)\(received)\(host.distinctPeers)")
            }
        }
        if !statistics.anomalies.isEmpty || !statistics.protocolAnomalies.isEmpty {
            lines.append("")
            lines.append("  anomalies")
            for anomaly in statistics.anomalies + statistics.protocolAnomalies {
                lines.append("                 \(anomaly.name): \(anomaly.count)")
            }
        }
        Swift.print(lines.joined(separator: "\n"))
    }

    /// `2026-11-26T04:31:43.148174Z`.
    static func timestamp(_ time: PacketTime) -> String {
        var bytes: [UInt8] = []
        time.appendRFC3339(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
