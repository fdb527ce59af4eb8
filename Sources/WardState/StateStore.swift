#if canImport(Glibc)
    import Glibc
#endif
import GRDB
import WardAnomaly
import WardCore
import WardFlows

/// The state DB (SQLite through GRDB): what the detectors learned and the device inventory, kept across restarts so a
/// reboot neither learns again nor repeats alerts.
///
/// The file is created 0600 and runs in WAL mode, so a sensor killed mid-write leaves the last committed snapshot;
/// every open runs SQLite's integrity check and refuses a damaged file. Learned state is saved as one snapshot per
/// transaction (it is bounded by the detectors' table capacity); devices are merged into what earlier runs saw.
public struct StateStore: Sendable {
    /// The database file.
    public let path: String
    private let database: DatabaseQueue

    /// Opens (or creates) the state DB at `path`, checks its integrity and brings its schema up to date.
    public init(path: String) throws(StateStoreError) {
        self.path = path
        let descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        close(descriptor)
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            database = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw Self.classify(error, path: path)
        }
        let migrator = Self.migrator
        do {
            let check = try database.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
            guard check == ["ok"] else { throw StateStoreError.corrupt(path: path, reason: check.prefix(3).joined(separator: "; ")) }
            if try database.read({ db in try migrator.hasBeenSuperseded(db) }) {
                let version = try database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM grdb_migrations") } ?? 0
                throw StateStoreError.newerSchema(path: path, version: version)
            }
            try migrator.migrate(database)
        } catch let error as StateStoreError {
            throw error
        } catch {
            throw Self.classify(error, path: path)
        }
    }

    /// The schema, one migration per version.
    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "meta") { table in
                table.primaryKey("key", .text)
                table.column("value", .text).notNull()
            }
            try db.create(table: "facts") { table in
                table.column("kind", .text).notNull().indexed()
                table.column("subject", .text).notNull()
                table.column("peer", .text).notNull()
                table.column("value", .text).notNull()
                table.column("detail", .text).notNull()
                table.column("number", .double).notNull()
                table.column("time", .integer)
            }
            try db.create(table: "baselines") { table in
                table.column("kind", .text).notNull().indexed()
                table.column("subject", .text).notNull()
                table.column("peer", .text).notNull()
                table.column("mean", .double).notNull()
                table.column("variance", .double).notNull()
                table.column("samples", .integer).notNull()
                table.column("window_start", .integer)
            }
            try db.create(table: InventoryDevice.databaseTableName) { table in
                table.primaryKey("mac", .text)
                table.column("vendor", .text)
                table.column("locally_administered", .boolean).notNull()
                table.column("first_seen", .integer).notNull()
                table.column("last_seen", .integer).notNull()
                table.column("vlan", .integer)
                table.column("addresses", .jsonText).notNull()
                table.column("address_overflow", .integer).notNull()
                table.column("services_offered", .jsonText).notNull()
                table.column("services_used", .jsonText).notNull()
                table.column("dicom_ae_titles", .jsonText).notNull()
                table.column("hl7_applications", .jsonText).notNull()
            }
        }
        return migrator
    }

    // MARK: - Learned state

    /// What earlier runs learned (empty for a new file).
    public func loadLearned() throws(StateStoreError) -> LearnedState {
        do {
            return try database.read { db in
                var state = LearnedState()
                let meta = try Dictionary(
                    uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT key, value FROM meta").map {
                        (String($0["key"] as String), String($0["value"] as String))
                    })
                state.learningStarted = meta["learning_started"].flatMap(Int64.init).map(PacketTime.init(nanoseconds:))
                state.lastTime = meta["last_time"].flatMap(Int64.init).map(PacketTime.init(nanoseconds:))
                for row in try Row.fetchAll(db, sql: "SELECT * FROM facts ORDER BY rowid") {
                    state.facts.append(
                        LearnedFact(
                            kind: row["kind"], subject: row["subject"], peer: row["peer"], value: row["value"],
                            detail: row["detail"], number: row["number"],
                            time: (row["time"] as Int64?).map(PacketTime.init(nanoseconds:))))
                }
                for row in try Row.fetchAll(db, sql: "SELECT * FROM baselines ORDER BY rowid") {
                    state.baselines.append(
                        LearnedBaseline(
                            kind: row["kind"], subject: row["subject"], peer: row["peer"],
                            baseline: EWMABaseline(mean: row["mean"], variance: row["variance"], samples: row["samples"]),
                            windowStart: (row["window_start"] as Int64?).map(PacketTime.init(nanoseconds:))))
                }
                return state
            }
        } catch {
            throw Self.classify(error, path: path)
        }
    }

    /// Replaces the learned state and merges the devices of this run into the inventory, in one transaction.
    /// - Parameters:
    ///   - learned: `DetectionEngine.learnedState()`.
    ///   - macs: The host table's MAC records (`HostTable.allMACs`).
    ///   - hosts: The host table's IP records, for the services each address offered and used.
    ///   - vendors: The OUI registry for the vendor column.
    public func save(
        learned: LearnedState, macs: [MACRecord], hosts: [HostRecord], vendors: MACVendors
    ) throws(StateStoreError) {
        let devices = Self.devices(macs: macs, hosts: hosts, learned: learned, vendors: vendors)
        do {
            try database.write { db in
                try db.execute(sql: "DELETE FROM facts")
                try db.execute(sql: "DELETE FROM baselines")
                try db.execute(sql: "DELETE FROM meta")
                if let started = learned.learningStarted {
                    try db.execute(
                        sql: "INSERT INTO meta (key, value) VALUES ('learning_started', ?)",
                        arguments: [String(started.nanoseconds)])
                }
                if let last = learned.lastTime {
                    try db.execute(
                        sql: "INSERT INTO meta (key, value) VALUES ('last_time', ?)", arguments: [String(last.nanoseconds)])
                }
                let insertFact = try db.makeStatement(
                    sql: "INSERT INTO facts (kind, subject, peer, value, detail, number, time) VALUES (?, ?, ?, ?, ?, ?, ?)")
                for fact in learned.facts {
                    try insertFact.execute(arguments: [
                        fact.kind, fact.subject, fact.peer, fact.value, fact.detail,
                        fact.number.isFinite ? fact.number : 0, fact.time?.nanoseconds,
                    ])
                }
                let insertBaseline = try db.makeStatement(
                    sql: """
                        INSERT INTO baselines (kind, subject, peer, mean, variance, samples, window_start)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """)
                for saved in learned.baselines {
                    let baseline = saved.baseline
                    try insertBaseline.execute(arguments: [
                        saved.kind, saved.subject, saved.peer, baseline.mean.isFinite ? baseline.mean : 0,
                        baseline.variance.isFinite ? baseline.variance : 0, baseline.samples,
                        saved.windowStart?.nanoseconds,
                    ])
                }
                for device in devices {
                    var merged = device
                    if let existing = try InventoryDevice.fetchOne(db, key: device.mac) {
                        merged = existing
                        merged.merge(device)
                    }
                    try merged.save(db)
                }
            }
        } catch {
            throw Self.classify(error, path: path)
        }
    }

    // MARK: - Inventory

    /// Every device in the inventory, ordered by MAC address.
    public func devices() throws(StateStoreError) -> [InventoryDevice] {
        do {
            return try database.read { db in try InventoryDevice.order(Column("mac")).fetchAll(db) }
        } catch {
            throw Self.classify(error, path: path)
        }
    }

    /// The devices of one run: one per unicast, non-zero MAC, with the services of its addresses and the AE titles and
    /// HL7 senders the detectors saw at those addresses.
    static func devices(
        macs: [MACRecord], hosts: [HostRecord], learned: LearnedState, vendors: MACVendors
    ) -> [InventoryDevice] {
        var hostsByAddress: [IPAddress: HostRecord] = [:]
        for host in hosts { hostsByAddress[host.address] = host }
        var titles: [String: [String]] = [:]
        var applications: [String: [String]] = [:]
        for fact in learned.facts {
            switch fact.kind {
            case LearnedFact.Kind.aeCombination.rawValue:
                titles[fact.subject, default: []].append(fact.value)
                titles[fact.peer, default: []].append(fact.detail)
            case LearnedFact.Kind.hl7Sender.rawValue:
                applications[fact.subject, default: []].append("\(fact.value)^\(fact.detail)")
            default:
                continue
            }
        }
        func service(_ entry: (ipProtocol: UInt8, port: UInt16)) -> String {
            let name = entry.ipProtocol == 6 ? "tcp" : entry.ipProtocol == 17 ? "udp" : "ip\(entry.ipProtocol)"
            return "\(name)/\(entry.port)"
        }
        return macs.compactMap { record -> InventoryDevice? in
            guard record.mac != .zero, !record.mac.isGroup else { return nil }
            let addresses = record.addresses.map(\.description)
            var offered: [String] = []
            var used: [String] = []
            var deviceTitles: [String] = []
            var deviceApplications: [String] = []
            for address in record.addresses {
                if let host = hostsByAddress[address] {
                    offered = InventoryDevice.union(offered, host.servicesOffered.services.map(service))
                    used = InventoryDevice.union(used, host.servicesUsed.services.map(service))
                }
                deviceTitles = InventoryDevice.union(deviceTitles, titles[address.description] ?? [])
                deviceApplications = InventoryDevice.union(deviceApplications, applications[address.description] ?? [])
            }
            return InventoryDevice(
                mac: record.mac.description, vendor: vendors.vendor(of: record.mac),
                locallyAdministered: record.mac.isLocallyAdministered, firstSeen: record.firstSeen.nanoseconds,
                lastSeen: record.lastSeen.nanoseconds, vlan: record.vlan.outer.map(Int.init), addresses: addresses,
                addressOverflow: Int(record.addressOverflow), servicesOffered: offered, servicesUsed: used,
                dicomAETitles: deviceTitles.filter { !$0.isEmpty }, hl7Applications: deviceApplications)
        }
    }

    private static func classify(_ error: any Error, path: String) -> StateStoreError {
        if let error = error as? StateStoreError { return error }
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_NOTADB, .SQLITE_CORRUPT:
                return .corrupt(path: path, reason: error.message ?? "\(error.resultCode)")
            case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_READONLY:
                return .cannotOpen(path: path, reason: error.message ?? "\(error.resultCode)")
            default:
                return .failed(path: path, reason: error.message ?? "\(error)")
            }
        }
        return .failed(path: path, reason: "\(error)")
    }
}
