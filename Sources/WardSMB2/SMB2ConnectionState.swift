import WardCore

/// The per-connection SMB2 state machine: decoded messages in, records out.
///
/// It matches responses to requests through a bounded message-id table, follows trees and open files (bounded),
/// samples written bytes for entropy, and queues ``SMB2Record``s (bounded). It never sees raw stream bytes: the
/// ``SMB2Framer`` hands it whole messages (or heads) and WRITE data.
public struct SMB2ConnectionState: Sendable {
    /// What a pending request needs remembered for its response. A name it carries (the share path of a
    /// TREE_CONNECT, the file name of a CREATE, the target of a rename) waits in `pendingNames`, so that this is
    /// plain bytes: the table moves and drops an entry per request without counting references.
    enum Detail: Sendable, BitwiseCopyable {
        case none
        case treeConnect
        case create(desiredAccess: UInt32, disposition: SMB2CreateDisposition, options: UInt32)
        case file(SMB2FileID)
        case rename(SMB2FileID)
        case delete(SMB2FileID, Bool)
    }

    struct Pending: Sendable, BitwiseCopyable {
        var command: SMB2Command
        var treeID: UInt32
        var detail: Detail
        /// The message id of the CREATE earlier in the same related compound, for FileId 0xFF…FF.
        var chainCreate: UInt64?
    }

    struct OpenFile: Sendable {
        var sequence: UInt64
        var createMessageID: UInt64?
        var record: SMB2FileRecord
        var entropy = WriteEntropy()
    }

    /// A WRITE whose data is streaming past: where it goes and how much of it to sample.
    public struct WriteContext: Sendable, Equatable {
        var fileID: SMB2FileID
        var dataStart: Int
        var dataEnd: Int
        var sampleBudget: Int
    }

    let limits: SMB2Limits
    /// Anomalies raised so far.
    public internal(set) var anomalies = SMB2AnomalyCounts()
    private var pending = OpenTable<UInt64, Pending>()
    /// The name of each pending request that carries one, by message id.
    private var pendingNames = OpenTable<UInt64, String>()
    private var trees: [UInt32: String] = [:]
    private var files = OpenTable<SMB2FileID, OpenFile>()
    private var fileSequence: UInt64 = 0
    private var records: BoundedQueue<SMB2Record>
    private var session: SMB2SessionRecord
    private var sessionDirty = false
    private var encryptedMessages: BoundedQueue<SMB2EncryptedMessage>

    /// Commands seen, with the response flag (tests only; `nil` unless enabled).
    package var trace: [(command: SMB2Command, isResponse: Bool)]?
    /// CREATE request names and rename targets seen (tests only; `nil` unless enabled).
    package var traceCreateNames: [String]?

    /// An empty state with `limits`.
    public init(limits: SMB2Limits) {
        self.limits = limits
        records = BoundedQueue(capacity: limits.maxQueuedRecords)
        encryptedMessages = BoundedQueue(capacity: limits.maxQueuedRecords)
        session = SMB2SessionRecord(
            time: .zero, dialect: nil, dialectsOffered: [], encrypted: false, transformPackets: 0, transformBytes: 0,
            compressedPackets: 0, user: nil, domain: nil, host: nil, authStatus: nil, smb1Seen: false,
            signingRequired: false, commandCount: 0, sessionID: 0)
    }

    /// How many requests await a response.
    public var pendingCount: Int { pending.count }
    /// How many files are open.
    public var openFileCount: Int { files.count }

    // MARK: - Records

    /// Removes and returns the oldest queued record.
    public mutating func popRecord() -> SMB2Record? {
        records.pop()
    }

    private mutating func enqueue(_ record: consuming SMB2Record) {
        if !records.push(record) { anomalies.record(.smb2RecordQueueFull) }
    }

    mutating func raise(_ anomaly: SMB2Anomaly) {
        anomalies.record(anomaly)
    }

    // MARK: - Non-SMB2 messages

    /// Counts a TRANSFORM (encrypted) message ([MS-SMB2] §2.2.41) and queues a large one's size for the detectors.
    mutating func transform(_ message: RawSpan, fromClient: Bool, at time: PacketTime) {
        session.transformPackets &+= 1
        session.encrypted = true
        sessionDirty = true
        guard let header = try? SMB2TransformHeader.decode(from: message, at: 0) else {
            raise(.smb2TruncatedCommand)
            return
        }
        session.transformBytes &+= UInt64(header.originalMessageSize)
        if session.sessionID == 0 { session.sessionID = header.sessionID }
        guard header.originalMessageSize >= SMB2EncryptedMessage.minimumReportedSize else { return }
        let message = SMB2EncryptedMessage(fromClient: fromClient, originalSize: header.originalMessageSize, time: time)
        if !encryptedMessages.push(message) { anomalies.record(.smb2RecordQueueFull) }
    }

    /// Removes and returns the oldest queued large encrypted message.
    public mutating func popEncryptedMessage() -> SMB2EncryptedMessage? {
        encryptedMessages.pop()
    }

    /// Whether records or large encrypted messages wait to be popped.
    var hasQueuedOutput: Bool { records.count > 0 || encryptedMessages.count > 0 }

    /// Counts a COMPRESSION_TRANSFORM message ([MS-SMB2] §2.2.42).
    mutating func compressed() {
        session.compressedPackets &+= 1
        sessionDirty = true
    }

    /// Notes an SMB1 message.
    mutating func smb1() {
        if !session.smb1Seen { raise(.smb1InUse) }
        session.smb1Seen = true
        sessionDirty = true
    }

    // MARK: - SMB2 messages

    /// Walks an SMB2 message's compound chain ([MS-SMB2] §3.2.4.1.4) and handles each command.
    /// - Parameters:
    ///   - message: the message (or its head when `complete` is false) starting at the first SMB2 header.
    ///   - complete: whether `message` is the whole NBSS message.
    /// - Returns: the WRITE context when the message is a standalone WRITE head whose data is still to stream.
    @discardableResult
    mutating func smb2Message(_ message: RawSpan, complete: Bool, at time: PacketTime) -> WriteContext? {
        var base = 0
        var chainCreate: UInt64?
        var streamingWrite: WriteContext?
        while true {
            let header: SMB2Header
            do {
                header = try SMB2Header.decode(from: message, at: base)
            } catch {
                if complete || base == 0 { raise(error == .truncated ? .smb2TruncatedCommand : .smb2BadHeader) }
                return streamingWrite
            }
            let next = Int(header.nextCommand)
            var end = message.byteCount
            var last = next == 0
            if next != 0 {
                if next >= SMB2Header.length, next % 8 == 0, message.contains(offset: base, length: next) {
                    end = base + next
                } else {
                    if complete { raise(.smb2BadNextCommand) }
                    last = true
                }
            }
            let command = message.extracting(base..<end)
            if header.isResponse {
                response(header, command, complete: complete, at: time)
            } else {
                if header.command == .create { chainCreate = header.messageID }
                if let context = request(
                    header, command, complete: complete, chainCreate: header.isRelated ? chainCreate : nil, at: time)
                {
                    streamingWrite = context
                }
            }
            if last { return streamingWrite }
            base = end
        }
    }

    /// Samples streamed WRITE data at `messagePosition` into its file's entropy; returns the updated context.
    mutating func writeData(_ bytes: RawSpan, messagePosition: Int, context: inout WriteContext) {
        guard context.sampleBudget > 0 else { return }
        let start = max(messagePosition, context.dataStart)
        let end = min(messagePosition + bytes.byteCount, context.dataEnd)
        guard start < end else { return }
        let slice = bytes.extracting(start - messagePosition..<end - messagePosition)
        let budget = context.sampleBudget
        let perFile = limits.entropySampleBytesPerFile
        guard let taken = withFile(context.fileID, { file in
            file.entropy.add(slice, limit: min(budget, perFile - file.entropy.sampledBytes))
        }) else { return }
        context.sampleBudget -= taken
    }

    /// Runs `body` on the open file `id` in place (no copy of its entropy counters), or returns `nil` when not open.
    @discardableResult
    private mutating func withFile<R>(_ id: SMB2FileID, _ body: (inout OpenFile) -> R) -> R? {
        files.withValue(for: id, body)
    }

    private mutating func request(
        _ header: SMB2Header, _ message: RawSpan, complete: Bool, chainCreate: UInt64?, at time: PacketTime
    ) -> WriteContext? {
        countCommand(header)
        var detail = Detail.none
        var name: String?
        var context: WriteContext?
        do {
            switch header.command {
            case .negotiate:
                let request = try SMB2Negotiate.decodeRequest(message, maxDialects: limits.maxDialectsOffered)
                session.dialectsOffered = request.dialects
            case .sessionSetup:
                let range = try SMB2SessionSetup.securityBuffer(message, isResponse: false)
                let buffer = message.extracting(range)
                if let names = SMB2SessionSetup.ntlmAuthenticate(
                    in: buffer, maxScan: limits.maxSecurityBufferScan, maxCodeUnits: limits.maxNameCodeUnits)
                {
                    session.user = names.user
                    session.domain = names.domain
                    session.host = names.workstation
                }
            case .treeConnect:
                name = try SMB2TreeConnect.decodePath(message, maxCodeUnits: limits.maxNameCodeUnits)
                detail = .treeConnect
            case .create:
                let request = try SMB2Create.decodeRequest(message, maxCodeUnits: limits.maxNameCodeUnits)
                traceCreateNames?.append(request.name)
                detail = .create(
                    desiredAccess: request.desiredAccess, disposition: request.disposition, options: request.options)
                name = request.name
            case .close:
                detail = .file(try SMB2Create.decodeCloseRequest(message))
            case .read:
                detail = .file(try SMB2ReadWrite.decodeReadRequest(message).fileID)
            case .write:
                let write = try SMB2ReadWrite.decodeWriteRequest(message)
                context = beginWrite(header, write, chainCreate: chainCreate, at: time)
                if var writeContext = context, writeContext.dataStart < message.byteCount {
                    // Data already buffered (a small or compounded WRITE): sample it now.
                    let end = min(message.byteCount, writeContext.dataEnd)
                    if writeContext.dataStart < end {
                        writeData(
                            message.extracting(writeContext.dataStart..<end), messagePosition: writeContext.dataStart,
                            context: &writeContext)
                    }
                    context = writeContext
                }
            case .setInfo:
                let request = try SMB2SetInfo.decodeRequest(message, maxCodeUnits: limits.maxNameCodeUnits)
                switch request.change {
                case .rename(let target):
                    traceCreateNames?.append(target)
                    detail = .rename(request.fileID)
                    name = target
                case .delete(let flag):
                    detail = .delete(request.fileID, flag)
                case .other:
                    break  // nothing to do when it is answered
                }
            default:
                break
            }
        } catch {
            if complete { raise(.smb2TruncatedCommand) }
        }
        if header.command != .cancel {
            addPending(
                header.messageID,
                Pending(command: header.command, treeID: header.treeID, detail: detail, chainCreate: chainCreate),
                name: name)
        }
        return context
    }

    private mutating func addPending(_ messageID: UInt64, _ entry: Pending, name: consuming String?) {
        if pending.count >= limits.maxPendingRequests, !pending.contains(messageID) {
            raise(.smb2TooManyPending)
            return
        }
        pending.set(entry, for: messageID)
        if let name {
            pendingNames.set(name, for: messageID)
        } else if pendingNames.count > 0 {
            pendingNames.remove(messageID)  // a message id used again: the earlier request's name goes with it
        }
    }

    private mutating func beginWrite(
        _ header: SMB2Header, _ write: SMB2ReadWrite.WriteRequest, chainCreate: UInt64?, at time: PacketTime
    ) -> WriteContext? {
        guard let fileID = resolve(write.fileID, chainCreate: chainCreate, treeID: header.treeID, at: time),
            withFile(fileID, { (file: inout OpenFile) -> Void in
                file.record.bytesWritten &+= UInt64(write.length)
                file.record.writeCount &+= 1
                if write.offset == 0, write.length > 0, file.record.createAction == .opened { file.record.overwrote = true }
            }) != nil
        else { return nil }
        let start = Int(write.dataOffset)
        let (end, overflow) = start.addingReportingOverflow(Int(write.length))
        return WriteContext(
            fileID: fileID, dataStart: start, dataEnd: overflow ? .max : end,
            sampleBudget: limits.entropySampleBytesPerWrite)
    }

    /// The open file a request's FileId names: the compound's CREATE for 0xFF…FF, else the id itself (tracking a
    /// handle opened before the capture started when it is new and there is room).
    private mutating func resolve(
        _ fileID: SMB2FileID, chainCreate: UInt64?, treeID: UInt32, at time: PacketTime
    ) -> SMB2FileID? {
        if fileID == .related {
            guard let chainCreate else { return nil }
            return files.first { $1.createMessageID == chainCreate }?.key
        }
        if files.contains(fileID) { return fileID }
        guard files.count < limits.maxOpenFiles else {
            raise(.smb2TooManyOpenFiles)
            return nil
        }
        files.set(
            OpenFile(
                sequence: nextSequence(), createMessageID: nil,
                record: emptyFileRecord(tree: trees[treeID] ?? "", filename: "", at: time)),
            for: fileID)
        return fileID
    }

    private mutating func nextSequence() -> UInt64 {
        fileSequence &+= 1
        return fileSequence
    }

    private func emptyFileRecord(tree: String, filename: String, at time: PacketTime) -> SMB2FileRecord {
        SMB2FileRecord(
            opened: time, closed: time, closedCleanly: false, tree: tree, filename: filename, disposition: nil,
            createOptions: 0, createAction: nil, bytesRead: 0, bytesWritten: 0, writeCount: 0, writeEntropy: nil,
            writeChiSquare: nil, sampledBytes: 0, renamedTo: nil, deleted: false, overwrote: false,
            sessionID: session.sessionID)
    }

    private mutating func countCommand(_ header: SMB2Header) {
        session.commandCount &+= 1
        sessionDirty = true
        trace?.append((header.command, header.isResponse))
    }

    private mutating func response(_ header: SMB2Header, _ message: RawSpan, complete: Bool, at time: PacketTime) {
        countCommand(header)
        if header.sessionID != 0 { session.sessionID = header.sessionID }
        if header.isAsync, header.status == .pending { return }  // interim: the final response follows
        let entry = pending.remove(header.messageID)
        let name = entry != nil && pendingNames.count > 0 ? pendingNames.remove(header.messageID) : nil
        if entry == nil, header.command != .negotiate, header.command != .oplockBreak,
            header.messageID != .max
        {
            raise(.smb2UnmatchedResponse)
        }
        let success = !header.status.isError
        do {
            switch header.command {
            case .negotiate:
                guard success else { break }
                let response = try SMB2Negotiate.decodeResponse(message)
                session.dialect = response.dialect
                session.signingRequired = response.securityMode & SMB2Negotiate.signingRequired != 0
            case .sessionSetup:
                if header.status != .moreProcessingRequired { session.authStatus = header.status }
                if header.status == .success {
                    let flags = try SMB2SessionSetup.sessionFlags(message)
                    if flags & SMB2SessionSetup.sessionFlagEncryptData != 0 { session.encrypted = true }
                }
            case .treeConnect:
                guard case .treeConnect? = entry?.detail else { break }
                let path = name ?? ""
                let shareType = success ? SMB2TreeConnect.decodeShareType(message) : nil
                if success {
                    if trees[header.treeID] != nil || trees.count < limits.maxTrees {
                        trees[header.treeID] = path
                    } else {
                        raise(.smb2TooManyTrees)
                    }
                }
                enqueue(
                    .treeConnect(
                        SMB2TreeConnectRecord(
                            time: time, tree: path, status: header.status, shareType: shareType,
                            sessionID: header.sessionID, treeID: header.treeID)))
            case .treeDisconnect:
                if success, let treeID = entry?.treeID { trees[treeID] = nil }
            case .create:
                guard success, case .create(let desiredAccess, let disposition, let options)? = entry?.detail else {
                    break
                }
                let request = SMB2Create.Request(
                    desiredAccess: desiredAccess, disposition: disposition, options: options, name: name ?? "")
                let response = try SMB2Create.decodeResponse(message)
                opened(request, response, entry: entry, header: header, at: time)
            case .close:
                guard success, let entry, case .file(let id) = entry.detail,
                    let fileID = lookup(id, chainCreate: entry.chainCreate), var file = files.remove(fileID)
                else { break }
                file.record.closedCleanly = true
                emit(consume file, at: time)
            case .read:
                guard success || header.status == .bufferOverflow, let entry, case .file(let id) = entry.detail,
                    let fileID = lookup(id, chainCreate: entry.chainCreate)
                else { break }
                let length = try SMB2ReadWrite.decodeReadResponseLength(message)
                withFile(fileID) { $0.record.bytesRead &+= UInt64(length) }
            case .setInfo:
                guard success, let entry else { break }
                switch entry.detail {
                case .rename(let id):
                    guard let fileID = lookup(id, chainCreate: entry.chainCreate) else { break }
                    withFile(fileID) { $0.record.renamedTo = name ?? "" }
                case .delete(let id, let flag):
                    guard let fileID = lookup(id, chainCreate: entry.chainCreate) else { break }
                    withFile(fileID) { $0.record.deleted = flag }
                default:
                    break
                }
            case .logoff:
                emitSession(at: time)
            default:
                break
            }
        } catch {
            if complete { raise(.smb2TruncatedCommand) }
        }
    }

    private func lookup(_ fileID: SMB2FileID, chainCreate: UInt64?) -> SMB2FileID? {
        if fileID == .related {
            guard let chainCreate else { return nil }
            return files.first { $1.createMessageID == chainCreate }?.key
        }
        return files.contains(fileID) ? fileID : nil
    }

    private mutating func opened(
        _ request: SMB2Create.Request, _ response: SMB2Create.Response, entry: Pending?, header: SMB2Header,
        at time: PacketTime
    ) {
        guard files.contains(response.fileID) || files.count < limits.maxOpenFiles else {
            raise(.smb2TooManyOpenFiles)
            return
        }
        // Filled in place inside the open file, which moves into the table.
        var file = OpenFile(
            sequence: nextSequence(), createMessageID: header.messageID,
            record: emptyFileRecord(
                tree: trees[entry?.treeID ?? header.treeID] ?? "", filename: request.name, at: time))
        file.record.disposition = request.disposition
        file.record.createOptions = request.options
        file.record.createAction = response.action
        file.record.deleted = request.options & SMB2Create.optionDeleteOnClose != 0
        file.record.overwrote = response.action == .overwritten || response.action == .superseded
        file.record.sessionID = header.sessionID
        files.set(consume file, for: response.fileID)
    }

    private mutating func emit(_ file: consuming OpenFile, at time: PacketTime) {
        // The record is swapped out for an empty one (whose strings are not counted): taking it from `file`
        // copied it, retaining and releasing each of its strings.
        let statistics = file.entropy.statistics
        let sampledBytes = file.entropy.sampledBytes
        var record = emptyFileRecord(tree: "", filename: "", at: time)
        swap(&record, &file.record)
        record.closed = time
        record.writeEntropy = statistics?.shannonBitsPerByte
        record.writeChiSquare = statistics?.chiSquare
        record.sampledBytes = sampledBytes
        enqueue(.file(consume record))
    }

    private mutating func emitSession(at time: PacketTime) {
        session.time = time
        enqueue(.session(session))
        sessionDirty = false
    }

    /// Emits every open file (in open order) and, when anything happened since the last one, the session record.
    mutating func finish(at time: PacketTime) {
        // Newest first, so that popping the last moves each out oldest first.
        var open = files.values.sorted { $0.sequence > $1.sequence }
        files.removeAll()
        while let file = open.popLast() { emit(consume file, at: time) }
        pending.removeAll()
        pendingNames.removeAll()
        if sessionDirty { emitSession(at: time) }
    }
}
