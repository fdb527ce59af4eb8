import WardCore

/// Two DICOM rules over association records (DICOM PS3.7 DIMSE, PS3.8 upper layer):
/// - `dicom_unknown_ae` (MITRE T1078, Valid Accounts: AE titles are DICOM's only credentials): an AE title not in
///   the inventory entry of a declared device (at any time), or, after warm-up, a (calling host, calling AE, called
///   host, called AE) combination never seen before;
/// - `dicom_bulk_export` (MITRE T1048, Exfiltration Over Alternative Protocol): images sent (C-STORE, or C-GET
///   sub-operations back to the requester) to a destination first seen after warm-up, far above the sender's own
///   per-association baseline, within a window.
struct DICOMPeerDetector {
    struct Combination: Hashable {
        var callingHost: IPAddress
        var callingAE: String
        var calledHost: IPAddress
        var calledAE: String
    }

    struct Route: Hashable {
        var sender: IPAddress
        var receiver: IPAddress
    }

    private struct RouteState {
        var firstSeenAfterWarmUp: Bool
        var windowStart: PacketTime
        var instances = 0
        var associations = 0
        var uids: [UInt64] = []
        var receiverAE = ""
    }

    private var combinations: BoundedTable<Combination, Bool>
    private var undeclared: BoundedTable<Combination, Bool>
    private var routes: BoundedTable<Route, RouteState>
    private var senderBaselines: BoundedTable<IPAddress, EWMABaseline>

    init(configuration: DetectorConfiguration) {
        combinations = BoundedTable(capacity: configuration.maximumTableEntries)
        undeclared = BoundedTable(capacity: configuration.maximumTableEntries)
        routes = BoundedTable(capacity: configuration.maximumTableEntries)
        senderBaselines = BoundedTable(capacity: configuration.maximumTableEntries)
    }

    var evictions: Int {
        combinations.evictions + undeclared.evictions + routes.evictions + senderBaselines.evictions
    }

    /// Saves AE-title combinations, undeclared titles already reported, routes and sender baselines.
    func export(into state: inout LearnedState) {
        for (key, _) in combinations.entries {
            state.facts.append(
                LearnedFact(
                    .aeCombination, subject: key.callingHost.description, peer: key.calledHost.description,
                    value: key.callingAE, detail: key.calledAE))
        }
        for (key, _) in undeclared.entries {
            state.facts.append(
                LearnedFact(.aeUndeclared, subject: key.callingHost.description, value: key.callingAE, detail: key.calledAE))
        }
        for (route, routeState) in routes.entries {
            state.facts.append(
                LearnedFact(
                    .dicomRoute, subject: route.sender.description, peer: route.receiver.description,
                    value: routeState.firstSeenAfterWarmUp ? "new" : "known", time: routeState.windowStart))
        }
        for (sender, baseline) in senderBaselines.entries {
            state.baselines.append(LearnedBaseline(.dicomInstances, subject: sender.description, baseline: baseline))
        }
    }

    mutating func restore(from state: LearnedState) {
        for fact in state.facts(.aeCombination) {
            guard let calling = IPAddress(fact.subject), let called = IPAddress(fact.peer) else { continue }
            combinations[Combination(callingHost: calling, callingAE: fact.value, calledHost: called, calledAE: fact.detail)] =
                true
        }
        for fact in state.facts(.aeUndeclared) {
            guard let host = IPAddress(fact.subject) else { continue }
            undeclared[Combination(callingHost: host, callingAE: fact.value, calledHost: .zero, calledAE: fact.detail)] = true
        }
        for fact in state.facts(.dicomRoute) {
            guard let sender = IPAddress(fact.subject), let receiver = IPAddress(fact.peer), let time = fact.time
            else { continue }
            routes[Route(sender: sender, receiver: receiver)] = RouteState(
                firstSeenAfterWarmUp: fact.value == "new", windowStart: time)
        }
        for saved in state.baselines(.dicomInstances) {
            if let sender = IPAddress(saved.subject) { senderBaselines[sender] = saved.baseline }
        }
    }

    mutating func observe(_ observation: Observation, context: inout DetectionContext) {
        guard
            case .dicomAssociation(let calling, let called, let callingAE, let calledAE, let commandCounts,
                let instancesStored, _, _, let time, let uid) = observation
        else { return }
        checkTitles(calling, called, callingAE, calledAE, time: time, uid: uid, context: &context)
        func count(_ name: String) -> Int { commandCounts.reduce(0) { $1.0 == name ? $0 + $1.1 : $0 } }
        let stores = max(instancesStored, count("C-STORE-RQ"))
        guard stores > 0 else { return }
        // C-GET brings the instances back to the requester; otherwise the caller is the storage SCU.
        let route =
            count("C-GET-RQ") > 0
            ? Route(sender: called, receiver: calling) : Route(sender: calling, receiver: called)
        let receiverAE = count("C-GET-RQ") > 0 ? callingAE : calledAE
        transfer(route, receiverAE: receiverAE, instances: stores, time: time, uid: uid, context: &context)
    }

    private mutating func checkTitles(
        _ calling: IPAddress, _ called: IPAddress, _ callingAE: String, _ calledAE: String, time: PacketTime,
        uid: UInt64, context: inout DetectionContext
    ) {
        let combination = Combination(callingHost: calling, callingAE: callingAE, calledHost: called, calledAE: calledAE)
        for (host, title, role) in [(calling, callingAE, "calling"), (called, calledAE, "called")] {
            guard let device = context.inventory.device(address: host), !device.dicomAETitles.isEmpty,
                !device.dicomAETitles.contains(where: { Text.equalsIgnoringCase($0, title) })
            else { continue }
            let key = Combination(callingHost: host, callingAE: title, calledHost: .zero, calledAE: role)
            guard !undeclared.contains(key) else { continue }
            undeclared[key] = true
            let message =
                "\(context.describe(host)) was the \(role) DICOM application as AE \(title.isEmpty ? "(empty)" : title) "
                + "in an association \(context.describe(calling)) → \(context.describe(called)); the inventory lists "
                + "only \(device.dicomAETitles.joined(separator: ", ")) for it"
            context.emit(
                Alert(
                    rule: "dicom_unknown_ae", ruleID: RuleID.dicomAENotInInventory, severity: 7, riskScore: 70,
                    message: message, technique: "T1078", source: calling, destination: called, flowUIDs: [uid],
                    firstTime: time, lastTime: time, statistic: 1, threshold: 0),
                first: host, detail: "\(role) \(title)")
        }
        guard !combinations.contains(combination) else { return }
        combinations[combination] = true
        guard !context.inWarmUp(time) else { return }
        let message =
            "\(context.describe(calling)) opened a DICOM association as AE \(callingAE) to "
            + "\(context.describe(called)) AE \(calledAE), a combination never seen before"
        context.emit(
            Alert(
                rule: "dicom_unknown_ae", ruleID: RuleID.dicomNewAE, severity: 5, riskScore: 50, message: message,
                technique: "T1078", source: calling, destination: called, flowUIDs: [uid], firstTime: time,
                lastTime: time, statistic: 1, threshold: 0),
            first: calling, second: called, detail: "\(callingAE)→\(calledAE)")
    }

    private mutating func transfer(
        _ route: Route, receiverAE: String, instances: Int, time: PacketTime, uid: UInt64,
        context: inout DetectionContext
    ) {
        let configuration = context.configuration
        let window = configuration.dicomBulkWindowSeconds.nanoseconds
        let baseline = senderBaselines[route.sender] ?? EWMABaseline()
        let newRoute = !routes.contains(route) && !context.inWarmUp(time)
        var snapshot: RouteState?
        routes.update(route, default: RouteState(firstSeenAfterWarmUp: newRoute, windowStart: time)) { state in
            if time.nanoseconds(since: state.windowStart) > window {
                state.windowStart = time
                state.instances = 0
                state.associations = 0
                state.uids.removeAll()
            }
            state.instances += instances
            state.associations += 1
            state.receiverAE = receiverAE
            if state.uids.count < Alert.maximumFlowUIDs { state.uids.append(uid) }
            snapshot = state
        }
        senderBaselines.update(route.sender, default: EWMABaseline()) { $0.add(Double(instances), alpha: 0.05) }
        guard let snapshot, snapshot.firstSeenAfterWarmUp else { return }
        let threshold = max(
            Double(configuration.dicomBulkMinimumInstances),
            baseline.upperBound(z: configuration.dicomBulkZScore, floor: max(1, baseline.mean)))
        guard Double(snapshot.instances) >= threshold else { return }
        let message =
            "\(context.describe(route.sender)) sent \(Text.count(snapshot.instances)) DICOM images to "
            + "\(context.describe(route.receiver)) (AE \(receiverAE)), a destination never seen before, in "
            + "\(Text.seconds(time.nanoseconds(since: snapshot.windowStart))) s over \(snapshot.associations) "
            + "associations; its usual is \(Text.number(baseline.mean)) ± \(Text.number(baseline.standardDeviation)) "
            + "per association"
        context.emit(
            Alert(
                rule: "dicom_bulk_export", ruleID: RuleID.dicomBulkExport, severity: 8, riskScore: 80,
                message: message, technique: "T1048", source: route.sender, destination: route.receiver,
                flowUIDs: snapshot.uids, firstTime: snapshot.windowStart, lastTime: time,
                statistic: Double(snapshot.instances), threshold: threshold),
            first: route.sender, second: route.receiver)
    }
}

extension DICOMPeerDetector.Route: OpenTableKey {
    func openTableHash(seed: UInt64) -> UInt64 { OpenTableHash.pair(sender, receiver, seed: seed) }
}

extension DICOMPeerDetector.Combination: OpenTableKey {
    func openTableHash(seed: UInt64) -> UInt64 {
        OpenTableHash.fold(
            OpenTableHash.strings(callingAE, calledAE, seed: seed),
            OpenTableHash.pair(callingHost, calledHost, seed: seed), seed: seed)
    }
}
