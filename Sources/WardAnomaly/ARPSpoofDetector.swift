import WardCore

/// `arp_spoof` (MITRE T1557.002, ARP Cache Poisoning), after arpwatch:
/// - flip-flop: an IP claimed by a different MAC than the one that claimed it recently (or than the inventory says);
/// - Ethernet mismatch: the frame's source MAC differs from the ARP sender MAC;
/// - gratuitous-ARP storm: many unsolicited announcements from one MAC in a short window.
struct ARPSpoofDetector {
    private struct Binding {
        var mac: MACAddress
        var lastSeen: PacketTime
    }

    private struct StormWindow {
        var start: PacketTime
        var count: Int
    }

    private var bindings: BoundedTable<IPAddress, Binding>
    private var storms: BoundedTable<MACAddress, StormWindow>

    init(configuration: DetectorConfiguration) {
        bindings = BoundedTable(capacity: configuration.maximumTableEntries)
        storms = BoundedTable(capacity: configuration.maximumTableEntries)
    }

    var evictions: Int { bindings.evictions + storms.evictions }

    /// Saves the IP→MAC bindings (storm windows are transient).
    func export(into state: inout LearnedState) {
        for (address, binding) in bindings.entries {
            state.facts.append(
                LearnedFact(.arpBinding, subject: address.description, value: binding.mac.description, time: binding.lastSeen))
        }
    }

    mutating func restore(from state: LearnedState) {
        for fact in state.facts(.arpBinding) {
            guard let address = IPAddress(fact.subject), let mac = MACAddress(fact.value), let time = fact.time else { continue }
            bindings[address] = Binding(mac: mac, lastSeen: time)
        }
    }

    mutating func observe(_ observation: Observation, context: inout DetectionContext) {
        guard
            case .arp(let operation, let senderMAC, let senderAddress, let targetAddress, let frameSource, let vlan,
                let time) = observation
        else { return }
        guard senderMAC != .zero, !senderMAC.isGroup else { return }
        if frameSource != .zero && frameSource != senderMAC {
            let message =
                "An ARP packet claims \(senderAddress) is at \(senderMAC) but was sent by \(frameSource); "
                + "the sender does not match its own frame (forged ARP)"
            context.emit(
                Alert(
                    rule: "arp_spoof", ruleID: RuleID.arpEthernetMismatch, severity: 6, riskScore: 60,
                    message: message, technique: "T1557.002", source: senderAddress, sourceMAC: frameSource,
                    firstTime: time, lastTime: time, statistic: 1, threshold: 0),
                first: senderAddress, detail: "mismatch \(frameSource)")
        }
        let gratuitous = senderAddress == targetAddress || operation == 2 && targetAddress == .zero
        if gratuitous { countGratuitous(senderMAC, senderAddress, time, &context) }
        guard senderAddress != .zero else { return }  // ARP probe (RFC 5227): no claim yet
        if let declared = context.inventory.device(address: senderAddress), let declaredMAC = declared.mac,
            declaredMAC != senderMAC
        {
            // Described only for an alert: the inventory name and zone make a string.
            let described = context.describe(senderAddress, vlan: vlan)
            let message =
                "\(described) is declared at \(declaredMAC) but \(senderMAC) now answers for it; "
                + "another machine may be intercepting its traffic"
            context.emit(
                Alert(
                    rule: "arp_spoof", ruleID: RuleID.arpInventoryMismatch, severity: 8, riskScore: 80,
                    message: message, technique: "T1557.002", source: senderAddress, sourceMAC: senderMAC,
                    firstTime: time, lastTime: time, statistic: 1, threshold: 0),
                first: senderAddress, detail: senderMAC.description)
        } else if let binding = bindings[senderAddress], binding.mac != senderMAC {
            let age = time.nanoseconds(since: binding.lastSeen)
            if age < context.configuration.arpRecentSeconds.nanoseconds {
                let described = context.describe(senderAddress, vlan: vlan)
                let message =
                    "\(described) switched from \(binding.mac) to \(senderMAC) within \(Text.seconds(age)) s; "
                    + "another machine may be answering for it (ARP spoofing)"
                context.emit(
                    Alert(
                        rule: "arp_spoof", ruleID: RuleID.arpFlipFlop, severity: 7, riskScore: 70, message: message,
                        technique: "T1557.002", source: senderAddress, sourceMAC: senderMAC,
                        firstTime: binding.lastSeen, lastTime: time, statistic: Double(age) / 1e9,
                        threshold: context.configuration.arpRecentSeconds),
                    first: senderAddress, detail: senderMAC.description)
            }
        }
        bindings[senderAddress] = Binding(mac: senderMAC, lastSeen: time)
    }

    private mutating func countGratuitous(
        _ mac: MACAddress, _ address: IPAddress, _ time: PacketTime, _ context: inout DetectionContext
    ) {
        let window = context.configuration.arpStormWindowSeconds.nanoseconds
        let threshold = context.configuration.arpStormThreshold
        let (count, start) = storms.update(mac, default: StormWindow(start: time, count: 0)) { storm in
            if time.nanoseconds(since: storm.start) >= window { storm = StormWindow(start: time, count: 0) }
            storm.count += 1
            return (storm.count, storm.start)
        }
        guard count == threshold else { return }
        let message =
            "\(mac) sent \(count) unsolicited ARP announcements in \(Text.seconds(time.nanoseconds(since: start))) s "
            + "(threshold \(threshold) in \(Text.number(context.configuration.arpStormWindowSeconds, decimals: 0)) s); "
            + "this floods neighbours' ARP caches"
        context.emit(
            Alert(
                rule: "arp_spoof", ruleID: RuleID.arpStorm, severity: 6, riskScore: 60, message: message,
                technique: "T1557.002", source: address == .zero ? nil : address, sourceMAC: mac, firstTime: start,
                lastTime: time, statistic: Double(count), threshold: Double(threshold)),
            detail: "storm \(mac)")
    }
}
