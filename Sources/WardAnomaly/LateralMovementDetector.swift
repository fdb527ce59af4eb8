import WardCore

/// `lateral_movement` (MITRE T1021.002 SMB/Windows Admin Shares, T1021 Remote Services, T1569.002 Service Execution):
/// per source, the distinct internal destinations it reaches on admin service ports for the first time within a
/// sliding window, against the source's own baseline (an EWMA of per-window counts), weighted by the source's zone
/// (remote-maintenance lowest threshold), with the share of failed connections (scanning) and admin-share use as
/// further evidence. Opening a service-control pipe (`svcctl`, `atsvc`) on a host the client never managed during
/// warm-up fires on its own (remote service creation, as PsExec does).
struct LateralMovementDetector {
    private struct Contact {
        var destination: IPAddress
        var port: UInt16
        var time: PacketTime
        var uid: UInt64
    }

    private struct SourceState {
        var recent: [Contact] = []
        var knownPeers: Set<IPAddress> = []
        var attempts: [(time: PacketTime, failed: Bool)] = []
        var adminShareServers: [(server: IPAddress, time: PacketTime)] = []
        var bucketStart: PacketTime
        var bucketCount = 0
        var baseline = EWMABaseline()
    }

    /// Per source: the most contacts kept in the window, known peers remembered, attempts kept.
    static let maximumRecent = 512
    static let maximumKnownPeers = 4096
    static let maximumAttempts = 1024

    private var sources: BoundedTable<IPAddress, SourceState>
    private var managedPairs: BoundedTable<HostPair, Bool>

    struct HostPair: Hashable {
        var client: IPAddress
        var server: IPAddress
    }

    init(configuration: DetectorConfiguration) {
        sources = BoundedTable(capacity: configuration.maximumTableEntries)
        managedPairs = BoundedTable(capacity: configuration.maximumTableEntries)
    }

    var evictions: Int { sources.evictions + managedPairs.evictions }

    /// The baseline of `source` (for tests and the `learn` command).
    func baseline(of source: IPAddress) -> EWMABaseline? { sources[source]?.baseline }

    /// Saves per source its baseline and known peers, and the managed (client, server) pairs.
    func export(into state: inout LearnedState) {
        for (source, sourceState) in sources.entries {
            let subject = source.description
            state.baselines.append(
                LearnedBaseline(
                    .lateralNewPeers, subject: subject, baseline: sourceState.baseline,
                    windowStart: sourceState.bucketStart))
            for peer in sourceState.knownPeers.sorted() {
                state.facts.append(LearnedFact(.lateralPeer, subject: subject, peer: peer.description))
            }
        }
        for (pair, _) in managedPairs.entries {
            state.facts.append(LearnedFact(.managedPair, subject: pair.client.description, peer: pair.server.description))
        }
    }

    mutating func restore(from state: LearnedState) {
        for saved in state.baselines(.lateralNewPeers) {
            guard let source = IPAddress(saved.subject), let start = saved.windowStart else { continue }
            var restored = SourceState(bucketStart: start)
            restored.baseline = saved.baseline
            sources[source] = restored
        }
        for fact in state.facts(.lateralPeer) {
            guard let source = IPAddress(fact.subject), let peer = IPAddress(fact.peer) else { continue }
            sources.update(source, default: SourceState(bucketStart: fact.time ?? .zero)) { sourceState in
                if sourceState.knownPeers.count < Self.maximumKnownPeers { sourceState.knownPeers.insert(peer) }
            }
        }
        for fact in state.facts(.managedPair) {
            guard let client = IPAddress(fact.subject), let server = IPAddress(fact.peer) else { continue }
            managedPairs[HostPair(client: client, server: server)] = true
        }
    }

    mutating func observe(_ observation: Observation, context: inout DetectionContext) {
        switch observation {
        case .flowStarted(let originator, let responder, let port, let ipProtocol, _, let time, let uid):
            guard ipProtocol == 6 || ipProtocol == 17, context.signatures.adminPorts.contains(port),
                originator != responder, AddressScope.isInternal(responder)
            else { return }
            contact(originator, responder, port: port, time: time, uid: uid, context: &context)
        case .flowEnded(let originator, _, let port, let ipProtocol, let failed, _, let time, _):
            guard ipProtocol == 6 || ipProtocol == 17, context.signatures.adminPorts.contains(port),
                sources.contains(originator)
            else { return }
            let window = context.configuration.lateralWindowSeconds.nanoseconds
            sources.update(originator, default: SourceState(bucketStart: time)) { state in
                state.attempts.removeAll { time.nanoseconds(since: $0.time) > window }
                if state.attempts.count < Self.maximumAttempts { state.attempts.append((time, failed)) }
            }
        case .smbTree(let client, let server, let share, let time, _):
            guard context.signatures.adminShares.contains(Text.uppercased(share)) else { return }
            let window = context.configuration.lateralWindowSeconds.nanoseconds
            sources.update(client, default: SourceState(bucketStart: time)) { state in
                state.adminShareServers.removeAll { time.nanoseconds(since: $0.time) > window }
                if !state.adminShareServers.contains(where: { $0.server == server }),
                    state.adminShareServers.count < Self.maximumRecent
                {
                    state.adminShareServers.append((server, time))
                }
            }
        case .smbFile(let client, let server, let share, let name, _, _, _, _, _, let time, let uid):
            guard Text.equalsIgnoringCase(share, "IPC$") else { return }
            let pipe = Text.lowercased(String(Text.baseName(name)))
            guard context.signatures.adminPipes.contains(pipe) else { return }
            serviceControl(client, server, pipe: pipe, time: time, uid: uid, context: &context)
        default:
            return
        }
    }

    private mutating func contact(
        _ source: IPAddress, _ destination: IPAddress, port: UInt16, time: PacketTime, uid: UInt64,
        context: inout DetectionContext
    ) {
        let configuration = context.configuration
        let window = configuration.lateralWindowSeconds.nanoseconds
        let alpha = configuration.lateralBaselineAlpha
        var snapshot: (recent: [Contact], baseline: EWMABaseline, failed: Int, attempts: Int, shares: Int)?
        sources.update(source, default: SourceState(bucketStart: time)) { state in
            // Close finished windows into the baseline (idle windows count as zero).
            let elapsed = time.nanoseconds(since: state.bucketStart)
            if window > 0 && elapsed >= window {
                state.baseline.add(Double(state.bucketCount), alpha: alpha)
                let idle = elapsed / window - 1
                state.baseline.addZeros(Int(clamping: idle), alpha: alpha)
                state.bucketStart = state.bucketStart.advanced(byNanoseconds: (idle + 1).multipliedReportingOverflow(by: window).partialValue)
                state.bucketCount = 0
            }
            state.recent.removeAll { time.nanoseconds(since: $0.time) > window }
            guard !state.knownPeers.contains(destination) else { return }
            if state.knownPeers.count < Self.maximumKnownPeers { state.knownPeers.insert(destination) }
            state.bucketCount += 1
            if state.recent.count < Self.maximumRecent {
                state.recent.append(Contact(destination: destination, port: port, time: time, uid: uid))
            }
            let failed = state.attempts.filter { $0.failed }.count
            snapshot = (state.recent, state.baseline, failed, state.attempts.count, state.adminShareServers.count)
        }
        guard let snapshot else { return }
        let zone = context.zones.zone(for: source)
        let weight = zone?.kind == .remoteMaintenance ? configuration.lateralRemoteMaintenanceWeight : 1
        let minimum = max(2, (Double(configuration.lateralMinimumDestinations) * weight).rounded(.up))
        var threshold = minimum
        if snapshot.baseline.samples >= 5 {
            threshold = max(minimum, snapshot.baseline.upperBound(z: configuration.lateralZScore, floor: 1).rounded(.up))
        }
        let count = Double(snapshot.recent.count)
        guard count >= threshold else { return }
        var ports: [UInt16] = []
        for contact in snapshot.recent where !ports.contains(contact.port) { ports.append(contact.port) }
        ports.sort()
        let portText = ports.prefix(6).map(String.init).joined(separator: "/")
        let first = snapshot.recent.first?.time ?? time
        let scanning =
            snapshot.attempts >= 4
            && Double(snapshot.failed) >= configuration.lateralFailureRatio * Double(snapshot.attempts)
        var severity = 7
        if zone?.kind == .remoteMaintenance { severity += 2 }
        if scanning || snapshot.shares > 0 { severity += 1 }
        var message =
            "\(context.describe(source)) reached \(Text.count(snapshot.recent.count)) new internal hosts on "
            + "\(portText) in \(Text.seconds(time.nanoseconds(since: first))) s; its baseline is "
            + "\(Text.number(snapshot.baseline.mean)) ± \(Text.number(snapshot.baseline.standardDeviation)) per "
            + "\(Text.number(configuration.lateralWindowSeconds, decimals: 0)) s (threshold \(Text.number(threshold, decimals: 0)))"
        if scanning { message += "; \(snapshot.failed) of \(snapshot.attempts) connections failed (scanning)" }
        if snapshot.shares > 0 { message += "; it opened admin shares on \(snapshot.shares) hosts" }
        context.emit(
            Alert(
                rule: "lateral_movement", ruleID: RuleID.lateralFanOut, severity: severity,
                riskScore: min(100, severity * 10 + Int(count - threshold)), message: message,
                technique: ports.contains(445) || ports.contains(139) ? "T1021.002" : "T1021", source: source,
                destination: snapshot.recent.last?.destination, sourceZone: zone?.name,
                flowUIDs: snapshot.recent.map(\.uid), firstTime: first, lastTime: time, statistic: count,
                threshold: threshold),
            first: source)
    }

    private mutating func serviceControl(
        _ client: IPAddress, _ server: IPAddress, pipe: String, time: PacketTime, uid: UInt64,
        context: inout DetectionContext
    ) {
        let pair = HostPair(client: client, server: server)
        guard !managedPairs.contains(pair) else { return }
        managedPairs[pair] = true
        if context.inWarmUp(time) { return }
        let zone = context.zones.zone(for: client)
        let severity = zone?.kind == .remoteMaintenance ? 9 : 7
        let what = pipe == "svcctl" ? "remote service creation, as PsExec does" : "remote administration"
        let message =
            "\(context.describe(client)) opened the \(pipe) pipe on \(context.describe(server)), a host it did not "
            + "manage before (\(what))"
        context.emit(
            Alert(
                rule: "lateral_movement", ruleID: RuleID.lateralServiceControl, severity: severity,
                riskScore: severity * 10, message: message, technique: pipe == "svcctl" ? "T1569.002" : "T1021.002",
                source: client, destination: server, sourceZone: zone?.name, flowUIDs: [uid], firstTime: time,
                lastTime: time, statistic: 1, threshold: 0),
            first: client, second: server, detail: pipe)
    }
}

extension LateralMovementDetector.HostPair: OpenTableKey {
    func openTableHash(seed: UInt64) -> UInt64 { OpenTableHash.pair(client, server, seed: seed) }
}
