import WardCore

/// `smb_ransomware` (MITRE T1486, Data Encrypted for Impact): per client→server, within a sliding window (10 s),
/// distinct files that look encrypted in place:
/// - overwritten with high-entropy data (> 7.5 bits/byte), strong for document formats, weak for formats that are
///   already compressed (zip, docx, jpg: a re-save of those looks the same);
/// - renamed to a known ransomware extension, or to an extension this client never used before;
/// - written as a high-entropy copy with a known-bad extension, or as a copy whose original is then deleted;
/// and ransom-note file names. New files alone (a user saving zips and JPEGs) and one huge high-entropy file (a
/// compressed backup) are not evidence of many files. For SMB3-encrypted sessions, where names and contents are
/// hidden, message sizes still show files rewritten in place with their own length (`EncryptedRewriteTracker`), and
/// transform-wrapped bytes per window are judged against the client's own baseline.
struct RansomwareDetector {
    enum Evidence: Equatable {
        case overwriteEncrypted
        case overwriteCompressed
        case renamedKnownBad
        case renamedNewExtension
        case encryptedCopy
    }

    private struct FileEvidence {
        var name: String
        var kind: Evidence
        var time: PacketTime
        var uid: UInt64
        var entropy: Double?
    }

    private struct PairState {
        var evidence: [FileEvidence] = []
        var notes: [(name: String, time: PacketTime)] = []
        var newEncryptedFiles: [(name: String, time: PacketTime, uid: UInt64)] = []
        var share = ""
    }

    private struct VolumeState {
        var bucketStart: PacketTime
        var bucketBytes: UInt64 = 0
        var baseline = EWMABaseline()
    }

    struct Pair: Hashable {
        var client: IPAddress
        var server: IPAddress
    }

    /// Extensions of formats that are compressed already: overwriting them with high-entropy data is weak evidence.
    static let compressedExtensions: Set<String> = [
        "zip", "7z", "rar", "gz", "tgz", "bz2", "xz", "zst", "docx", "xlsx", "pptx", "odt", "ods", "odp", "jpg",
        "jpeg", "png", "gif", "webp", "heic", "mp3", "mp4", "mov", "avi", "mkv", "pdf", "jp2", "cab", "msi",
    ]
    /// Extensions that renames to or from are routine (editors' temporary and backup files).
    static let routineRenameExtensions: Set<String> = ["tmp", "temp", "bak", "old", "swp", "part", "partial", "crdownload", "~"]
    /// Per pair: the most evidence items and notes held.
    static let maximumEvidence = 64
    static let maximumLearnedExtensions = 512

    private var pairs: BoundedTable<Pair, PairState>
    private var learnedExtensions: BoundedTable<IPAddress, Set<String>>
    private var rewrites: EncryptedRewriteTracker
    private var volumes: BoundedTable<Pair, VolumeState>

    init(configuration: DetectorConfiguration) {
        pairs = BoundedTable(capacity: configuration.maximumTableEntries)
        learnedExtensions = BoundedTable(capacity: configuration.maximumTableEntries)
        rewrites = EncryptedRewriteTracker(capacity: configuration.maximumTableEntries)
        volumes = BoundedTable(capacity: configuration.maximumTableEntries)
    }

    var evictions: Int { pairs.evictions + learnedExtensions.evictions + rewrites.evictions + volumes.evictions }

    /// Saves the extensions each client uses and the encrypted-volume baselines (evidence windows are transient).
    func export(into state: inout LearnedState) {
        for (client, extensions) in learnedExtensions.entries {
            for name in extensions.sorted() {
                state.facts.append(LearnedFact(.fileExtension, subject: client.description, value: name))
            }
        }
        for (pair, volume) in volumes.entries {
            state.baselines.append(
                LearnedBaseline(
                    .encryptedVolume, subject: pair.client.description, peer: pair.server.description,
                    baseline: volume.baseline, windowStart: volume.bucketStart))
        }
    }

    mutating func restore(from state: LearnedState) {
        for fact in state.facts(.fileExtension) {
            guard let client = IPAddress(fact.subject), !fact.value.isEmpty else { continue }
            learnedExtensions.update(client, default: []) { set in
                if set.count < Self.maximumLearnedExtensions { set.insert(fact.value) }
            }
        }
        for saved in state.baselines(.encryptedVolume) {
            guard let client = IPAddress(saved.subject), let server = IPAddress(saved.peer),
                let start = saved.windowStart
            else { continue }
            var volume = VolumeState(bucketStart: start)
            volume.baseline = saved.baseline
            volumes[Pair(client: client, server: server)] = volume
        }
    }

    mutating func observe(_ observation: Observation, context: inout DetectionContext) {
        switch observation {
        case .smbFile(
            let client, let server, let share, let name, let bytesWritten, let entropy, let overwrote, let renamedTo,
            let deleted, let time, let uid):
            file(
                Pair(client: client, server: server), share: share, name: name, bytesWritten: bytesWritten,
                entropy: entropy, overwrote: overwrote, renamedTo: renamedTo, deleted: deleted, time: time, uid: uid,
                context: &context)
        case .smbEncryptedMessage(let client, let server, let fromClient, let size, let time, let uid):
            let pair = Pair(client: client, server: server)
            volume(pair, bytes: UInt64(size), time: time, uid: uid, context: &context)
            let window = context.configuration.ransomwareWindowSeconds
            if let recent = rewrites.observe(
                pair, fromClient: fromClient, size: size, time: time, uid: uid, windowSeconds: window),
                recent.count >= max(1, context.configuration.ransomwareMinimumFiles)
            {
                rewrites.reset(pair)
                reportRewrites(pair, recent, time: time, context: &context)
            }
        default:
            return
        }
    }

    private mutating func file(
        _ pair: Pair, share: String, name: String, bytesWritten: UInt64, entropy: Double?, overwrote: Bool,
        renamedTo: String?, deleted: Bool, time: PacketTime, uid: UInt64, context: inout DetectionContext
    ) {
        let configuration = context.configuration
        let signatures = context.signatures
        let window = configuration.ransomwareWindowSeconds.nanoseconds
        let baseName = Text.baseName(name)
        let ext = Text.fileExtension(ofBaseName: baseName)
        let highEntropy =
            (entropy ?? 0) > configuration.ransomwareEntropyBitsPerByte
            && bytesWritten >= UInt64(max(0, configuration.ransomwareMinimumWriteBytes))
        var kind: Evidence?
        if let renamedTo {
            let newExt = Text.fileExtension(renamedTo)
            if newExt != ext && !newExt.isEmpty {
                if signatures.ransomExtensions.contains(newExt) {
                    kind = .renamedKnownBad
                } else if learnedExtensions[pair.client]?.contains(newExt) != true,
                    !Self.routineRenameExtensions.contains(newExt),
                    !Self.routineRenameExtensions.contains(ext), !newExt.hasPrefix("~")
                {
                    kind = .renamedNewExtension
                }
            }
        } else if highEntropy && overwrote {
            kind = Self.compressedExtensions.contains(ext) ? .overwriteCompressed : .overwriteEncrypted
        } else if highEntropy && signatures.ransomExtensions.contains(ext) {
            kind = .encryptedCopy
        }
        let isNote = signatures.ransomNotes.matchesAny(baseName)
        // Learn the extensions this client really uses (from source names only, never from rename targets).
        if !ext.isEmpty && kind == nil && !isNote {
            learnedExtensions.update(pair.client, default: []) { set in
                if set.count < Self.maximumLearnedExtensions { set.insert(ext) }
            }
        }
        let isNewEncryptedFile = highEntropy && !overwrote && renamedTo == nil && kind == nil
        // The lower-cased name is the evidence's key: made only for a file that may become evidence (most files an
        // SMB client closes are not).
        let key = isNewEncryptedFile || deleted || isNote || kind != nil ? Text.lowercased(name) : ""
        var fire: (strong: Int, weak: Int, state: PairState)?
        pairs.update(pair, default: PairState()) { state in
            state.share = share
            // Most pairs never hold evidence: an empty list is not handed to `removeAll(where:)` at all.
            if !state.evidence.isEmpty { state.evidence.removeAll { time.nanoseconds(since: $0.time) > window } }
            if !state.notes.isEmpty { state.notes.removeAll { time.nanoseconds(since: $0.time) > window } }
            if !state.newEncryptedFiles.isEmpty {
                state.newEncryptedFiles.removeAll { time.nanoseconds(since: $0.time) > window }
            }
            if isNewEncryptedFile && state.newEncryptedFiles.count < Self.maximumEvidence {
                state.newEncryptedFiles.append((key, time, uid))
            }
            if deleted, kind == nil,
                let copy = state.newEncryptedFiles.first(where: { $0.name.hasPrefix(key + ".") || $0.name == key })
            {
                kind = .encryptedCopy
                _ = copy
            }
            if isNote && !state.notes.contains(where: { $0.name == key }) && state.notes.count < Self.maximumEvidence {
                state.notes.append((key, time))
            }
            if let kind, !state.evidence.contains(where: { $0.name == key }),
                state.evidence.count < Self.maximumEvidence
            {
                state.evidence.append(FileEvidence(name: key, kind: kind, time: time, uid: uid, entropy: entropy))
            }
            var weak = 0
            for item in state.evidence where item.kind == .overwriteCompressed { weak += 1 }
            let strong = state.evidence.count - weak
            let minimum = max(1, configuration.ransomwareMinimumFiles)
            let renames = state.evidence.contains { $0.kind == .renamedKnownBad || $0.kind == .renamedNewExtension }
            let corroborated = renames || !state.notes.isEmpty
            let fires =
                strong >= minimum || (corroborated && strong + weak >= minimum) || weak >= 2 * minimum
                || (!state.notes.isEmpty && strong + weak >= 1)
            if fires {
                fire = (strong, weak, state)
                state.evidence.removeAll()
                state.notes.removeAll()
            }
        }
        guard let fire else { return }
        report(pair, strong: fire.strong, weak: fire.weak, state: fire.state, time: time, context: &context)
    }

    private func report(
        _ pair: Pair, strong: Int, weak: Int, state: PairState, time: PacketTime, context: inout DetectionContext
    ) {
        context.emit(rule: "smb_ransomware", lastTime: time, first: pair.client, second: pair.server) { context in
            let evidence = state.evidence
            let overwritten = evidence.filter { $0.kind == .overwriteEncrypted || $0.kind == .overwriteCompressed }
            let renamed = evidence.filter { $0.kind == .renamedKnownBad || $0.kind == .renamedNewExtension }
            let copies = evidence.filter { $0.kind == .encryptedCopy }
            let entropies = overwritten.compactMap(\.entropy)
            let first = min(evidence.first?.time ?? time, state.notes.first?.time ?? time)
            var parts: [String] = []
            if !overwritten.isEmpty {
                var text = "overwrote \(overwritten.count) files with encrypted-looking data"
                if !entropies.isEmpty {
                    text += " (\(Text.number(entropies.reduce(0, +) / Double(entropies.count))) bits/byte)"
                }
                parts.append(text)
            }
            if !renamed.isEmpty { parts.append("renamed \(renamed.count) files to new extensions") }
            if !copies.isEmpty { parts.append("replaced \(copies.count) files with encrypted copies") }
            if !state.notes.isEmpty { parts.append("wrote ransom-note files such as \(state.notes[0].name)") }
            if parts.isEmpty { parts.append("touched files in a ransomware pattern") }
            let share = state.share.isEmpty ? "" : " share \(state.share)"
            let message =
                "\(context.describe(pair.client)) \(parts.joined(separator: ", ")) on "
                + "\(context.describe(pair.server))\(share) in \(Text.seconds(time.nanoseconds(since: first))) s: "
                + "this looks like ransomware; disconnect \(pair.client) now"
            return Alert(
                rule: "smb_ransomware", ruleID: RuleID.ransomwareFiles, severity: 10,
                riskScore: min(100, 85 + evidence.count), message: message, technique: "T1486", source: pair.client,
                destination: pair.server, flowUIDs: Array(Set(evidence.map(\.uid))).sorted(), firstTime: first,
                lastTime: time, statistic: Double(evidence.count),
                threshold: Double(context.configuration.ransomwareMinimumFiles))
        }
    }

    private func reportRewrites(
        _ pair: Pair, _ recent: [EncryptedRewriteTracker.Rewrite], time: PacketTime, context: inout DetectionContext
    ) {
        context.emit(
            rule: "smb_ransomware", lastTime: time, first: pair.client, second: pair.server, detail: "rewrite"
        ) { context in
            let first = recent.first?.time ?? time
            let message =
                "\(context.describe(pair.client)) rewrote \(recent.count) files on \(context.describe(pair.server)) "
                + "with exactly the sizes they had moments before, in \(Text.seconds(time.nanoseconds(since: first))) "
                + "s over encrypted SMB3: names and contents are hidden, but rewriting many files in place is how "
                + "ransomware encrypts; check \(pair.client) now"
            return Alert(
                rule: "smb_ransomware", ruleID: RuleID.ransomwareEncryptedRewrite, severity: 9, riskScore: 85,
                message: message, technique: "T1486", source: pair.client, destination: pair.server,
                flowUIDs: Array(Set(recent.map(\.uid))).sorted(), firstTime: first, lastTime: time,
                statistic: Double(recent.count), threshold: Double(context.configuration.ransomwareMinimumFiles))
        }
    }

    private mutating func volume(
        _ pair: Pair, bytes: UInt64, time: PacketTime, uid: UInt64, context: inout DetectionContext
    ) {
        let configuration = context.configuration
        let window = configuration.ransomwareWindowSeconds.nanoseconds
        let alpha = 0.05
        var result: (bytes: UInt64, baseline: EWMABaseline, start: PacketTime)?
        volumes.update(pair, default: VolumeState(bucketStart: time)) { state in
            let elapsed = time.nanoseconds(since: state.bucketStart)
            if window > 0 && elapsed >= window {
                state.baseline.add(Double(state.bucketBytes), alpha: alpha)
                let idle = elapsed / window - 1
                state.baseline.addZeros(Int(clamping: idle), alpha: alpha)
                state.bucketStart = state.bucketStart.advanced(
                    byNanoseconds: (idle + 1).multipliedReportingOverflow(by: window).partialValue)
                state.bucketBytes = 0
            }
            state.bucketBytes &+= bytes
            result = (state.bucketBytes, state.baseline, state.bucketStart)
        }
        guard let result, result.baseline.samples >= configuration.encryptedVolumeMinimumWindows,
            result.bytes >= UInt64(max(0, configuration.encryptedVolumeMinimumBytes))
        else { return }
        let threshold = result.baseline.upperBound(
            z: configuration.encryptedVolumeZScore, floor: max(1_000_000, result.baseline.mean))
        guard Double(result.bytes) > threshold else { return }
        let megabytes = { (value: Double) in Text.number(value / 1e6) }
        let message =
            "Encrypted SMB3 traffic from \(context.describe(pair.client)) to \(context.describe(pair.server)) reached "
            + "\(megabytes(Double(result.bytes))) MB in \(Text.number(configuration.ransomwareWindowSeconds, decimals: 0)) s; "
            + "its baseline is \(megabytes(result.baseline.mean)) ± \(megabytes(result.baseline.standardDeviation)) MB; "
            + "file names are hidden by encryption, so check this client for ransomware"
        context.emit(
            Alert(
                rule: "smb_ransomware", ruleID: RuleID.ransomwareEncryptedVolume, severity: 6, riskScore: 60,
                message: message, technique: "T1486", source: pair.client, destination: pair.server, flowUIDs: [uid],
                firstTime: result.start, lastTime: time, statistic: Double(result.bytes), threshold: threshold),
            first: pair.client, second: pair.server, detail: "volume")
    }
}

extension RansomwareDetector.Pair: OpenTableKey {
    func openTableHash(seed: UInt64) -> UInt64 { OpenTableHash.pair(client, server, seed: seed) }
}
