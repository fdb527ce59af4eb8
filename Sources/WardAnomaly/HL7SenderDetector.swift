import WardCore

/// `hl7_unknown_sender` (MITRE T1565.002, Transmitted Data Manipulation): after warm-up, a host sends HL7 with a
/// sending application/facility (MSH-3/MSH-4) it never used before, or one its inventory entry does not list.
/// A forged ADT or ORU message can change a patient's record; a new sender deserves a look.
struct HL7SenderDetector {
    struct Sender: Hashable {
        var host: IPAddress
        var application: String
        var facility: String
    }

    private var seen: BoundedTable<Sender, Bool>

    init(configuration: DetectorConfiguration) {
        seen = BoundedTable(capacity: configuration.maximumTableEntries)
    }

    var evictions: Int { seen.evictions }

    func export(into state: inout LearnedState) {
        for (sender, _) in seen.entries {
            state.facts.append(
                LearnedFact(.hl7Sender, subject: sender.host.description, value: sender.application, detail: sender.facility))
        }
    }

    mutating func restore(from state: LearnedState) {
        for fact in state.facts(.hl7Sender) {
            guard let host = IPAddress(fact.subject) else { continue }
            seen[Sender(host: host, application: fact.value, facility: fact.detail)] = true
        }
    }

    mutating func observe(_ observation: Observation, context: inout DetectionContext) {
        guard
            case .hl7Message(let sender, let receiver, let application, let facility, let messageType, let time,
                let uid) = observation
        else { return }
        let key = Sender(host: sender, application: application, facility: facility)
        guard !seen.contains(key) else { return }
        seen[key] = true
        let declared = context.inventory.device(address: sender)?.hl7Applications ?? []
        let notDeclared =
            !declared.isEmpty && !declared.contains { Text.equalsIgnoringCase($0, application) }
        guard notDeclared || !context.inWarmUp(time) else { return }
        let who = application.isEmpty && facility.isEmpty ? "an empty sender" : "\(application)^\(facility)"
        let why =
            notDeclared
            ? "the inventory lists only \(declared.joined(separator: ", ")) for it"
            : "it never sent as this application before"
        let message =
            "\(context.describe(sender)) sent HL7 \(messageType) to \(context.describe(receiver)) as \(who); \(why)"
        let severity = notDeclared ? 7 : 5
        context.emit(
            Alert(
                rule: "hl7_unknown_sender", ruleID: RuleID.hl7UnknownSender, severity: severity,
                riskScore: severity * 10, message: message, technique: "T1565.002", source: sender,
                destination: receiver, flowUIDs: [uid], firstTime: time, lastTime: time, statistic: 1, threshold: 0),
            first: sender, detail: "\(application)^\(facility)")
    }
}

extension HL7SenderDetector.Sender: OpenTableKey {
    func openTableHash(seed: UInt64) -> UInt64 {
        OpenTableHash.fold(
            OpenTableHash.strings(application, facility, seed: seed),
            host.openTableHash(seed: seed), seed: seed)
    }
}
