import WardCore

/// `internet_separation`: a host in a zone with `internet: deny` starts a flow to an address on the public internet
/// (anything not private, shared, loopback, link-local, multicast, documentation or ULA; see `AddressScope`) or in
/// a zone of kind `external`.
/// MITRE T1071 (Application Layer Protocol): the usual reason a clinical device talks to the internet is a C2 channel
/// or an unapproved vendor cloud. Suppressed per (host, destination).
struct InternetSeparationDetector {
    mutating func observe(_ observation: Observation, context: inout DetectionContext) {
        guard case .flowStarted(let originator, let responder, let port, let ipProtocol, let vlan, let time, let uid) =
            observation
        else { return }
        // The internet is any public address outside the site's zones, plus the zones the site calls external.
        let responderZone = context.zones.zone(for: responder)
        let isExternal = responderZone.map { $0.kind == .external } ?? !AddressScope.isInternal(responder)
        guard let zone = context.zones.zone(for: originator, vlan: vlan), zone.internetDenied, isExternal else { return }
        let transport = ipProtocol == 6 ? "tcp" : ipProtocol == 17 ? "udp" : "ip proto \(ipProtocol)"
        let message =
            "\(context.describe(originator, vlan: vlan)) opened a connection to the internet address \(responder) "
            + "port \(port)/\(transport); the \(zone.name) network must not reach the internet"
        let severity = zone.kind == .clinical ? 7 : 6
        context.emit(
            Alert(
                rule: "internet_separation", ruleID: RuleID.internetSeparation, severity: severity,
                riskScore: severity * 10, message: message, technique: "T1071", source: originator,
                destination: responder, sourceZone: zone.name, flowUIDs: [uid], firstTime: time, lastTime: time,
                statistic: 1, threshold: 0),
            first: originator, second: responder)
    }
}
