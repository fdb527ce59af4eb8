import WardCore

/// `remote_access_tool` (MITRE T1219, Remote Access Software): a DNS query or TLS server name for a remote-control
/// tool's domain (`Signatures/remote-access.yaml`): support-scam tools and ransomware gangs' favourite way back in.
struct RemoteAccessToolDetector {
    mutating func observe(_ observation: Observation, context: inout DetectionContext) {
        let client: IPAddress
        let name: String
        let time: PacketTime
        let uid: UInt64
        let how: String
        switch observation {
        case .dnsQuery(let c, let n, let t, let u): (client, name, time, uid, how) = (c, n, t, u, "looked up")
        case .tlsServerName(let c, let n, let t, let u): (client, name, time, uid, how) = (c, n, t, u, "connected to")
        default: return
        }
        let host = Text.hostName(name)
        guard let match = context.signatures.remoteAccessDomains.first(where: { Text.host(host, isWithin: $0.domain) })
        else { return }
        let zone = context.zones.zone(for: client)
        let severity = zone?.kind == .clinical || zone?.internetDenied == true ? 7 : 5
        let message =
            "\(context.describe(client)) \(how) \(Text.lowercased(name)), the remote-control tool \(match.tool); "
            + "check that this remote access is approved"
        context.emit(
            Alert(
                rule: "remote_access_tool", ruleID: RuleID.remoteAccessTool, severity: severity,
                riskScore: severity * 10, message: message, technique: "T1219", source: client,
                sourceZone: zone?.name, flowUIDs: [uid], firstTime: time, lastTime: time, statistic: 1, threshold: 0),
            first: client, detail: match.tool)
    }
}
