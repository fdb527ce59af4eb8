import WardCore

/// `unknown_mac`: a MAC address that is neither in the device inventory nor learned during warm-up, once per device
/// (MITRE T1200, Hardware Additions), with its vendor (IEEE OUI). Locally administered (randomised) addresses are
/// named as such.
struct UnknownMACDetector {
    private var known: BoundedTable<MACAddress, Bool>
    private(set) var unknownSeen = 0

    init(configuration: DetectorConfiguration) {
        known = BoundedTable(capacity: configuration.maximumTableEntries)
    }

    var evictions: Int { known.evictions }

    func export(into state: inout LearnedState) {
        for (mac, _) in known.entries { state.facts.append(LearnedFact(.knownMAC, subject: mac.description)) }
    }

    mutating func restore(from state: LearnedState) {
        for fact in state.facts(.knownMAC) {
            if let mac = MACAddress(fact.subject) { known[mac] = true }
        }
    }

    mutating func observe(_ observation: Observation, context: inout DetectionContext) {
        guard case .newMAC(let mac, let address, let vlan, let time, let fromARP) = observation else { return }
        guard mac != .zero, !mac.isGroup, !known.contains(mac) else { return }
        known[mac] = true
        if context.inventory.device(mac: mac) != nil { return }
        if context.configuration.learnMACsDuringWarmUp && context.inWarmUp(time) { return }
        unknownSeen += 1
        let zone = context.zones.zone(for: address, vlan: vlan)
        let local = context.configuration.flagLocallyAdministered && mac.isLocallyAdministered
        var severity = 4
        if zone?.kind == .clinical || zone?.internetDenied == true { severity += 2 }
        if local { severity += 1 }
        let zoneName = zone?.name ?? ""
        // Room for every piece at its longest (256 bytes besides the zone and the vendor, with a margin): none is
        // left out.
        let message = context.signatures.macVendors.withVendor(of: mac) { vendor in
            MessageWriter.string(capacity: 320 + zoneName.utf8.count + (vendor?.count ?? 0)) { text in
                text.append("A new device ")
                text.append(mac)
                if let vendor {
                    text.append(" (")
                    text.append(vendor)
                    text.append(")")
                }
                if local { text.append(" with a randomised (locally administered) address") }
                text.append(fromARP ? " announced itself by ARP" : " appeared")
                if address != .zero {
                    text.append(" at ")
                    text.append(address)
                }
                if zone != nil {
                    text.append(" in ")
                    text.append(zoneName)
                }
                if let id = vlan.outer {
                    text.append(" (VLAN ")
                    text.append(decimal: Int(id))
                    text.append(")")
                }
                text.append("; it is not in the device inventory (")
                text.append(decimal: unknownSeen)
                text.append(" unknown so far)")
            }
        }
        context.emit(
            Alert(
                rule: "unknown_mac", ruleID: RuleID.unknownMAC, severity: severity, riskScore: severity * 10,
                message: message, technique: "T1200", source: address == .zero ? nil : address, sourceMAC: mac,
                sourceZone: zone?.name, firstTime: time, lastTime: time, statistic: Double(unknownSeen), threshold: 0),
            first: address, detail: mac.description)
    }
}
