import Testing
import WardCore
@testable import WardAnomaly

func ip(_ text: String) -> IPAddress { IPAddress(text)! }
func mac(_ text: String) -> MACAddress { MACAddress(text)! }
func at(_ seconds: Double) -> PacketTime { PacketTime(nanoseconds: 1_700_000_000_000_000_000 + Int64(seconds * 1e9)) }

let testZones = ZoneMap(
    zones: [
        ZoneInfo(name: "clinical", kind: .clinical, internetDenied: true),
        ZoneInfo(name: "business", kind: .business, internetDenied: false),
        ZoneInfo(name: "vendor-vpn", kind: .remoteMaintenance, internetDenied: false),
    ],
    prefixes: [(ip("172.16.10.0"), 96 + 24, 0), (ip("172.16.20.0"), 96 + 22, 1), (ip("172.16.30.0"), 96 + 24, 2)],
    vlans: [])
let testInventory = DeviceInventory([
    KnownDevice(mac: mac("00:1b:21:0a:0b:0c"), address: ip("172.16.10.5"), name: "pacs-1", role: "pacs",
        dicomAETitles: ["PACS1"], hl7Applications: ["RIS"])
])

func engine(_ adjust: (inout DetectorConfiguration) -> Void = { _ in }) -> DetectionEngine {
    var configuration = DetectorConfiguration()
    adjust(&configuration)
    return DetectionEngine(configuration: configuration, zones: testZones, knownDevices: testInventory)
}

extension DetectionEngine {
    mutating func drain() -> [Alert] {
        var alerts: [Alert] = []
        while let alert = popAlert() { alerts.append(alert) }
        return alerts
    }
}

@Suite struct UnknownMACDetectorTests {
    @Test func alertsOncePerUnknownDeviceAfterWarmUp() {
        var detection = engine { $0.warmUpSeconds = 60 }
        detection.observe(.newMAC(mac: mac("00:11:22:33:44:55"), address: ip("172.16.10.9"), vlan: .none, time: at(0), fromARP: true))
        detection.observe(.newMAC(mac: mac("00:1b:21:0a:0b:0c"), address: ip("172.16.10.5"), vlan: .none, time: at(100), fromARP: false))
        #expect(detection.drain().isEmpty)  // learned during warm-up; the other is in the inventory
        detection.observe(.newMAC(mac: mac("02:aa:bb:cc:dd:ee"), address: ip("172.16.10.77"), vlan: .none, time: at(120), fromARP: true))
        detection.observe(.newMAC(mac: mac("02:aa:bb:cc:dd:ee"), address: ip("172.16.10.78"), vlan: .none, time: at(130), fromARP: true))
        let alerts = detection.drain()
        #expect(alerts.count == 1)
        #expect(alerts[0].rule == "unknown_mac" && alerts[0].technique == "T1200")
        #expect(alerts[0].message.contains("randomised"))
        #expect(alerts[0].message.contains("clinical"))
        #expect(alerts[0].severity == 7)
    }

    @Test func ignoresBroadcastAndZero() {
        var detection = engine { $0.warmUpSeconds = 0 }
        detection.observe(.newMAC(mac: mac("ff:ff:ff:ff:ff:ff"), address: .zero, vlan: .none, time: at(1), fromARP: false))
        detection.observe(.newMAC(mac: .zero, address: .zero, vlan: .none, time: at(1), fromARP: false))
        #expect(detection.drain().isEmpty)
    }
}

@Suite struct ARPSpoofDetectorTests {
    func arp(_ sender: String, _ address: String, target: String = "172.16.10.1", frame: String? = nil, op: UInt16 = 2, _ t: Double) -> Observation {
        .arp(operation: op, senderMAC: mac(sender), senderAddress: ip(address), targetAddress: ip(target),
            frameSource: mac(frame ?? sender), vlan: .none, time: at(t))
    }

    @Test func flipFlopFires() {
        var detection = engine()
        detection.observe(arp("00:00:00:00:00:01", "172.16.10.1", target: "172.16.10.9", 0))
        detection.observe(arp("00:00:00:00:00:02", "172.16.10.1", target: "172.16.10.9", 5))
        let alerts = detection.drain()
        #expect(alerts.map(\.ruleID) == [RuleID.arpFlipFlop])
        #expect(alerts[0].technique == "T1557.002")
    }

    @Test func reassignmentAfterLongSilenceIsNotAFlipFlop() {
        var detection = engine()
        detection.observe(arp("00:00:00:00:00:01", "172.16.10.44", target: "172.16.10.9", 0))
        detection.observe(arp("00:00:00:00:00:02", "172.16.10.44", target: "172.16.10.9", 7200))
        #expect(detection.drain().isEmpty)
    }

    @Test func inventoryMismatchAndEthernetMismatch() {
        var detection = engine()
        detection.observe(arp("00:00:00:00:00:66", "172.16.10.5", target: "172.16.10.9", 1))
        detection.observe(arp("00:00:00:00:00:01", "172.16.10.3", target: "172.16.10.9", frame: "00:00:00:00:00:66", 2))
        #expect(detection.drain().map(\.ruleID) == [RuleID.arpInventoryMismatch, RuleID.arpEthernetMismatch])
    }

    @Test func gratuitousStormFiresOnceWithSuppression() {
        var detection = engine()
        for index in 0..<25 {
            detection.observe(arp("00:00:00:00:00:07", "172.16.10.7", target: "172.16.10.7", Double(index) * 0.2))
        }
        let alerts = detection.drain()
        #expect(alerts.map(\.ruleID) == [RuleID.arpStorm])
        #expect(alerts[0].statistic == 20)
    }
}

@Suite struct LateralMovementDetectorTests {
    func connect(_ source: String, _ host: Int, port: UInt16 = 445, _ t: Double, uid: UInt64 = 1) -> Observation {
        .flowStarted(originator: ip(source), responder: IPAddress(ipv4: 0xAC10_1400 + UInt32(host)), responderPort: port,
            ipProtocol: 6, vlan: .none, time: at(t), uid: uid)
    }

    @Test func fanOutFromVPNSegmentFiresEarlyWithNumbers() {
        var detection = engine()
        for host in 0..<4 { detection.observe(connect("172.16.30.5", host, port: host % 2 == 0 ? 445 : 3389, Double(host), uid: UInt64(host))) }
        #expect(detection.drain().isEmpty)
        detection.observe(connect("172.16.30.5", 4, 5, uid: 4))
        let alerts = detection.drain()
        #expect(alerts.count == 1)
        let alert = alerts[0]
        #expect(alert.rule == "lateral_movement" && alert.technique == "T1021.002")
        #expect(alert.statistic == 5 && alert.threshold == 5)
        #expect(alert.message.contains("172.16.30.5 (vendor-vpn) reached 5 new internal hosts on 445/3389"))
        #expect(alert.flowUIDs == [0, 1, 2, 3, 4])
        #expect(alert.severity == 9)
    }

    @Test func businessHostNeedsTheFullMinimumAndRepeatsAreCounted() {
        var detection = engine()
        for host in 0..<9 { detection.observe(connect("172.16.20.50", host, Double(host))) }
        #expect(detection.drain().isEmpty)
        for host in 9..<14 { detection.observe(connect("172.16.20.50", host, Double(host))) }
        let alerts = detection.drain()
        #expect(alerts.count == 1)
        #expect(alerts[0].statistic == 10)
        // Later, outside the suppression interval: the next alert carries the 4 suppressed repeats.
        for host in 100..<110 { detection.observe(connect("172.16.20.50", host, 4000 + Double(host - 100))) }
        let later = detection.drain()
        #expect(later.count == 1)
        #expect(later[0].suppressedRepeats == 4)
    }

    @Test func slowSpreadOverTimeAndRepeatedPeersDoNotFire() {
        var detection = engine()
        for host in 0..<30 { detection.observe(connect("172.16.20.50", host, Double(host) * 120)) }
        for round in 0..<5 { for host in 0..<5 { detection.observe(connect("172.16.20.51", host, Double(round * 5 + host))) } }
        detection.observe(connect("172.16.20.52", 1, port: 443, 1))
        #expect(detection.drain().isEmpty)
    }

    @Test func baselineRaisesTheThresholdForABusyAdminHost() {
        var detection = engine { $0.lateralMinimumDestinations = 3; $0.suppressionSeconds = 0 }
        var host = 0
        for window in 0..<20 {  // 4 new hosts every minute for 20 minutes (but only once over 3 → one alert)
            for _ in 0..<4 {
                detection.observe(connect("172.16.20.60", host, Double(window * 60)))
                host += 1
            }
        }
        _ = detection.drain()
        let baseline = detection.lateralBaseline(of: ip("172.16.20.60"))
        #expect(baseline.map { $0.mean > 3 } == true)
        for offset in 0..<6 { detection.observe(connect("172.16.20.60", host + offset, 1200 + Double(offset))) }
        #expect(detection.drain().isEmpty)  // 6 < baseline ~4 + 4 × max(σ, 1)
    }

    @Test func serviceControlPipeOnANewHostFires() {
        var detection = engine { $0.warmUpSeconds = 10 }
        detection.observe(.smbFile(client: ip("172.16.20.9"), server: ip("172.16.10.5"), share: "IPC$", name: "svcctl",
            bytesWritten: 0, writeEntropy: nil, overwrote: false, renamedTo: nil, deleted: false, time: at(0), uid: 1))
        #expect(detection.drain().isEmpty)  // learned in warm-up
        detection.observe(.smbFile(client: ip("172.16.30.9"), server: ip("172.16.10.5"), share: "ipc$", name: "\\svcctl",
            bytesWritten: 0, writeEntropy: nil, overwrote: false, renamedTo: nil, deleted: false, time: at(20), uid: 2))
        let alerts = detection.drain()
        #expect(alerts.map(\.ruleID) == [RuleID.lateralServiceControl])
        #expect(alerts[0].technique == "T1569.002")
    }
}

@Suite struct RansomwareDetectorTests {
    func file(_ name: String, bytes: UInt64 = 100_000, entropy: Double? = 7.95, overwrote: Bool = false,
        renamedTo: String? = nil, deleted: Bool = false, _ t: Double, uid: UInt64 = 1, client: String = "172.16.20.23") -> Observation {
        .smbFile(client: ip(client), server: ip("172.16.20.5"), share: "Radiology", name: name, bytesWritten: bytes,
            writeEntropy: entropy, overwrote: overwrote, renamedTo: renamedTo, deleted: deleted, time: at(t), uid: uid)
    }

    @Test func encryptionInPlaceFiresWithinTenSecondsBeforeTenFiles() {
        var detection = engine()
        var fired: Double?
        for index in 0..<10 {
            detection.observe(file("reports\\r\(index).docm", overwrote: true, Double(index) * 0.5, uid: UInt64(index)))
            if fired == nil, !detection.drain().isEmpty { fired = Double(index + 1) }
        }
        #expect(fired == 4)
    }

    @Test func renamesToKnownBadExtensionAndNoteFire() {
        var detection = engine()
        detection.observe(file("HOW_TO_DECRYPT.txt", entropy: 4.0, 0))
        detection.observe(file("a.docx", renamedTo: "a.docx.lockbit", 1))
        let alerts = detection.drain()
        #expect(alerts.count == 1)
        #expect(alerts[0].rule == "smb_ransomware" && alerts[0].technique == "T1486")
        #expect(alerts[0].message.contains("ransom-note"))
        #expect(alerts[0].severity == 10)
    }

    @Test func renamesToANewExtensionFire() {
        var detection = engine()
        for index in 0..<4 { detection.observe(file("f\(index).xlsx", renamedTo: "f\(index).xlsx.qwzx", Double(index))) }
        #expect(detection.drain().count == 1)
    }

    @Test func bigBackupAndSavedZipsAndOfficeSavesAreNotRansomware() {
        var detection = engine()
        detection.observe(file("backup\\full.7z", bytes: 40_000_000_000, overwrote: true, 0))
        for index in 0..<20 { detection.observe(file("photos\\img\(index).jpg", Double(index) * 0.3)) }  // new files
        for index in 0..<3 { detection.observe(file("scan\(index).zip", overwrote: true, 5 + Double(index))) }  // weak
        for index in 0..<4 {  // Word's save dance: rename original to ~WRL.tmp, temp to the original name
            detection.observe(file("doc\(index).docx", entropy: nil, renamedTo: "~WRL000\(index).tmp", 6 + Double(index)))
            detection.observe(file("~WRD000\(index).tmp", entropy: 7.9, renamedTo: "doc\(index).docx", 6.1 + Double(index)))
        }
        #expect(detection.drain().isEmpty)
    }

    @Test func encryptedCopyThenDeleteFires() {
        var detection = engine()
        for index in 0..<4 {
            detection.observe(file("p\(index).pdf.xyz1", overwrote: false, Double(index)))
            detection.observe(file("p\(index).pdf", entropy: nil, deleted: true, Double(index) + 0.1))
        }
        #expect(detection.drain().count == 1)
    }

    func encrypted(fromClient: Bool, data: UInt32, _ t: Double, client: String = "172.16.20.23") -> Observation {
        let overhead = fromClient ? EncryptedRewriteTracker.writeRequestOverhead : EncryptedRewriteTracker.readResponseOverhead
        return .smbEncryptedMessage(client: ip(client), server: ip("172.16.20.5"), fromClient: fromClient,
            size: data + overhead, time: at(t), uid: 9)
    }

    @Test func encryptedSMB3VolumeAgainstBaseline() {
        var detection = engine { $0.encryptedVolumeMinimumWindows = 5; $0.encryptedVolumeMinimumBytes = 10_000_000 }
        for window in 0..<10 {
            for chunk in 0..<8 { detection.observe(encrypted(fromClient: true, data: 131_072, Double(window) * 10 + Double(chunk) * 0.1)) }
        }
        #expect(detection.drain().isEmpty)
        for chunk in 0..<500 { detection.observe(encrypted(fromClient: true, data: 1_048_576, 100 + Double(chunk) * 0.01)) }
        let alerts = detection.drain()
        #expect(alerts.map(\.ruleID) == [RuleID.ransomwareEncryptedVolume])
    }

    @Test func encryptedSMB3ReadThenRewriteOfTheSameSizesFires() {
        var detection = engine()
        // Ransomware reads each file and writes it back encrypted with the same length: sizes echo.
        let sizes: [UInt32] = [12_345, 70_001, 3_333, 999_999, 45_678]
        for (index, size) in sizes.enumerated() {
            detection.observe(encrypted(fromClient: false, data: size, Double(index) * 0.5))
            detection.observe(encrypted(fromClient: true, data: size, Double(index) * 0.5 + 0.2))
        }
        let alerts = detection.drain()
        #expect(alerts.map(\.ruleID) == [RuleID.ransomwareEncryptedRewrite])
        #expect(alerts.first?.statistic == 4)
        #expect(alerts.first?.message.contains("rewrote 4 files") == true)
    }

    @Test func encryptedSMB3UploadsDownloadsAndBulkChunksAreNotRewrites() {
        var detection = engine()
        // New files written once (distinct sizes), the same files read back, and a big transfer in 1 MiB chunks.
        for index in 0..<40 { detection.observe(encrypted(fromClient: true, data: 5_000 + UInt32(index) * 17, Double(index) * 0.1)) }
        for index in 0..<40 { detection.observe(encrypted(fromClient: false, data: 5_000 + UInt32(index) * 17, 5 + Double(index) * 0.1)) }
        for chunk in 0..<200 { detection.observe(encrypted(fromClient: true, data: 1_048_576, 10 + Double(chunk) * 0.01)) }
        // One document saved again with the same size now and then (autosave): one rewrite per window is not many files.
        for round in 0..<5 { detection.observe(encrypted(fromClient: true, data: 5_000, 20 + Double(round) * 30)) }
        #expect(detection.drain().isEmpty)
    }

    @Test func encryptedSMB3RewritesLongAfterTheOriginalAreNotCounted() {
        var detection = engine()
        let sizes: [UInt32] = [12_345, 70_001, 3_333, 999_999, 45_678]
        for (index, size) in sizes.enumerated() { detection.observe(encrypted(fromClient: true, data: size, Double(index))) }
        // The nightly job writes the same files again a day later: past the size horizon.
        for (index, size) in sizes.enumerated() { detection.observe(encrypted(fromClient: true, data: size, 86_400 + Double(index) * 0.1)) }
        #expect(detection.drain().isEmpty)
    }
}

@Suite struct SimpleRuleTests {
    @Test func internetSeparation() {
        var detection = engine()
        let flow = { (dst: String, t: Double) in
            Observation.flowStarted(originator: ip("172.16.10.40"), responder: ip(dst), responderPort: 443, ipProtocol: 6,
                vlan: .none, time: at(t), uid: 7)
        }
        for internalAddress in ["172.16.20.5", "10.1.1.1", "100.64.0.1", "169.254.1.1", "224.0.0.251", "192.0.2.1", "127.0.0.1"] {
            detection.observe(flow(internalAddress, 0))
        }
        detection.observe(.flowStarted(originator: ip("172.16.20.9"), responder: ip("93.184.216.34"), responderPort: 443,
            ipProtocol: 6, vlan: .none, time: at(0), uid: 1))
        #expect(detection.drain().isEmpty)
        detection.observe(flow("93.184.216.34", 1))
        detection.observe(flow("93.184.216.34", 2))
        let alerts = detection.drain()
        #expect(alerts.count == 1)
        #expect(alerts[0].message.contains("93.184.216.34 port 443/tcp; the clinical network must not reach the internet"))
        #expect(alerts[0].sourceZone == "clinical")
    }

    @Test func addressScope() {
        #expect(AddressScope.isInternal(ip("fd00::1")))
        #expect(AddressScope.isInternal(ip("fe80::1")))
        #expect(AddressScope.isInternal(ip("2001:db8::1")))
        #expect(!AddressScope.isInternal(ip("2606:4700::1111")))
        #expect(!AddressScope.isInternal(ip("8.8.8.8")))
        #expect(AddressScope.isInternal(ip("172.31.255.255")))
        #expect(!AddressScope.isInternal(ip("172.32.0.1")))
        // Every IPv4 range: its first and last address are internal, the addresses just outside it are not (unless
        // another range holds them).
        for range in AddressScope.internalIPv4 {
            let size = UInt64(1) << UInt64(32 - range.length)
            let last = UInt32(UInt64(range.network) + size - 1)
            #expect(AddressScope.isInternal(IPAddress(ipv4: range.network)))
            #expect(AddressScope.isInternal(IPAddress(ipv4: last)))
            for outside in [UInt64(range.network) &- 1, UInt64(last) + 1] where outside <= UInt64(UInt32.max) {
                let inAnother = AddressScope.internalIPv4.contains { other in
                    UInt32(outside) >> UInt32(32 - other.length) == other.network >> UInt32(32 - other.length)
                }
                #expect(AddressScope.isInternal(IPAddress(ipv4: UInt32(outside))) == inAnother, "\(outside)")
            }
        }
    }

    @Test func remoteAccessTool() {
        var detection = engine()
        detection.observe(.dnsQuery(client: ip("172.16.10.40"), name: "relay-1.net.AnyDesk.com.", time: at(0), uid: 1))
        detection.observe(.dnsQuery(client: ip("172.16.10.40"), name: "notanydesk.com", time: at(1), uid: 2))
        detection.observe(.tlsServerName(client: ip("172.16.10.40"), name: "anydesk.com", time: at(2), uid: 3))
        let alerts = detection.drain()
        #expect(alerts.count == 1)
        #expect(alerts[0].technique == "T1219" && alerts[0].message.contains("AnyDesk"))
    }

    @Test func smb1() {
        var detection = engine()
        detection.observe(.smbSession(client: ip("172.16.10.7"), server: ip("172.16.20.5"), dialect: "3.0.2", smb1: false,
            encrypted: false, transformBytes: 0, time: at(0), uid: 1))
        detection.observe(.smbSession(client: ip("172.16.10.7"), server: ip("172.16.20.5"), dialect: "NT LM 0.12", smb1: true,
            encrypted: false, transformBytes: 0, time: at(1), uid: 2))
        #expect(detection.drain().map(\.rule) == ["smb1_in_use"])
    }

    @Test func hl7NewSenderAfterWarmUp() {
        var detection = engine { $0.warmUpSeconds = 60 }
        let message = { (app: String, t: Double, sender: String) in
            Observation.hl7Message(sender: ip(sender), receiver: ip("172.16.20.10"), sendingApplication: app,
                sendingFacility: "HOSP", messageType: "ADT^A01", time: at(t), uid: 1)
        }
        detection.observe(message("LAB", 0, "172.16.20.30"))
        detection.observe(message("LAB", 100, "172.16.20.30"))
        #expect(detection.drain().isEmpty)
        detection.observe(message("EVIL", 120, "172.16.20.30"))
        detection.observe(message("PACSAPP", 5, "172.16.10.5"))  // not in inventory's RIS, even in warm-up
        let alerts = detection.drain()
        #expect(alerts.map(\.rule) == ["hl7_unknown_sender", "hl7_unknown_sender"])
        #expect(alerts[1].message.contains("lists only RIS"))
    }
}

@Suite struct DICOMPeerDetectorTests {
    func association(_ calling: String, _ called: String, _ callingAE: String, _ calledAE: String, stores: Int = 0,
        get: Bool = false, _ t: Double) -> Observation {
        var counts: [(String, Int)] = [("C-ECHO-RQ", 1)]
        if stores > 0 { counts.append(("C-STORE-RQ", stores)) }
        if get { counts.append(("C-GET-RQ", 1)) }
        return .dicomAssociation(calling: ip(calling), called: ip(called), callingAE: callingAE, calledAE: calledAE,
            commandCounts: counts, instancesStored: stores, moveDestinations: [], bytes: 0, time: at(t), uid: 5)
    }

    @Test func unknownAEAfterWarmUpAndInventoryMismatch() {
        var detection = engine { $0.warmUpSeconds = 60 }
        detection.observe(association("172.16.10.20", "172.16.10.5", "CT1", "PACS1", 0))
        detection.observe(association("172.16.10.20", "172.16.10.5", "CT1", "PACS1", 100))
        #expect(detection.drain().isEmpty)
        detection.observe(association("172.16.20.99", "172.16.10.5", "GUESS", "PACS", 120))
        let alerts = detection.drain()
        #expect(alerts.map(\.ruleID) == [RuleID.dicomAENotInInventory, RuleID.dicomNewAE])
        #expect(alerts.allSatisfy { $0.rule == "dicom_unknown_ae" })
    }

    @Test func bulkExportToNewDestination() {
        var detection = engine { $0.warmUpSeconds = 60 }
        for index in 0..<20 { detection.observe(association("172.16.10.5", "172.16.10.30", "PACS1", "VIEW1", stores: 30, Double(index))) }
        // After warm-up: routine volume to a new viewer is fine; 600 images to another new host are not.
        detection.observe(association("172.16.10.5", "172.16.10.31", "PACS1", "VIEW2", stores: 40, 200))
        #expect(detection.drain().allSatisfy { $0.rule != "dicom_bulk_export" })
        for index in 0..<3 { detection.observe(association("172.16.10.5", "172.16.20.99", "PACS1", "EXPORT", stores: 200, 300 + Double(index))) }
        let alerts = detection.drain().filter { $0.rule == "dicom_bulk_export" }
        #expect(alerts.count == 1)
        #expect(alerts[0].statistic == 600)
        #expect(alerts[0].message.contains("sent 600 DICOM images"))
        // C-GET: the data flows to the requester.
        for index in 0..<3 { detection.observe(association("172.16.20.98", "172.16.10.5", "PACS1", "PACS1", stores: 250, get: true, 400 + Double(index))) }
        #expect(detection.drain().contains { $0.rule == "dicom_bulk_export" && $0.destination == ip("172.16.20.98") })
    }
}

@Suite struct AlertEncodingTests {
    @Test func encodesTopLevelMembers() {
        let alert = Alert(rule: "lateral_movement", ruleID: "WW-1201", severity: 9, riskScore: 95,
            message: "x \"y\"", technique: "T1021.002", source: ip("172.16.30.5"), flowUIDs: [0, 61, 62],
            firstTime: PacketTime(nanoseconds: 0), lastTime: PacketTime(nanoseconds: 1_500_000_000), statistic: 27,
            threshold: 5.25, suppressedRepeats: 3)
        var writer = JSONWriter()
        writer.beginObject()
        alert.encode(into: &writer)
        writer.endObject()
        let text = writer.text
        #expect(text == #"{"rule":{"name":"lateral_movement","id":"WW-1201"},"event":{"kind":"alert","dataset":"wardwatch.alert","severity":9,"risk_score":95},"message":"x \"y\"","threat":{"technique":{"id":"T1021.002"}},"wardwatch":{"alert":{"flow_uids":["C00000000000","C0000000000z","C00000000010"],"first":"1970-01-01T00:00:00.000000Z","last":"1970-01-01T00:00:01.500000Z","statistic":27.000,"threshold":5.250,"suppressed_repeats":3}}}"#)
    }

    /// The required-bytes filter only turns away names that cannot match: every pattern of up to four bytes over
    /// `a`, `B`, `*` and `?` is checked against every name of up to four bytes over `A`, `b`, `x` and `!` (which shares
    /// its filter bit with `a`), against a plain recursive matcher.
    @Test func globSetAgreesWithARecursiveMatcher() {
        func strings(over alphabet: [UInt8], upTo length: Int) -> [[UInt8]] {
            var all: [[UInt8]] = [[]]
            var last: [[UInt8]] = [[]]
            for _ in 0..<length {
                last = last.flatMap { prefix in alphabet.map { prefix + [$0] } }
                all += last
            }
            return all
        }
        func folded(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
        func reference(_ pattern: ArraySlice<UInt8>, _ name: ArraySlice<UInt8>) -> Bool {
            guard let first = pattern.first else { return name.isEmpty }
            if first == UInt8(ascii: "*") {
                return reference(pattern.dropFirst(), name) || (!name.isEmpty && reference(pattern, name.dropFirst()))
            }
            guard let byte = name.first else { return false }
            return (first == UInt8(ascii: "?") || folded(first) == folded(byte))
                && reference(pattern.dropFirst(), name.dropFirst())
        }
        let names = strings(over: Array("Abx!".utf8), upTo: 4)
        var matched = 0
        for pattern in strings(over: Array("aB*?".utf8), upTo: 4) {
            let set = GlobSet([String(decoding: pattern, as: UTF8.self)])
            for name in names {
                let expected = reference(pattern[...], name[...])
                #expect(set.matchesAny(Substring(String(decoding: name, as: UTF8.self))) == expected)
                if expected { matched += 1 }
            }
        }
        #expect(matched > 1000)
    }

    @Test func boundedTableEvictsOldestAndCounts() {
        var table = BoundedTable<UInt64, Int>(capacity: 3)
        for key in 0..<5 { table[UInt64(key)] = key }
        #expect(table.count == 3 && table.evictions == 2)
        #expect(!table.contains(0) && !table.contains(1) && table.contains(4))
    }

    /// `update` makes a value for a new key and hands it to its body once; a new key past the capacity evicts the
    /// oldest, never itself.
    @Test func boundedTableUpdateInsertsEvictsAndKeepsTheNewest() {
        var table = BoundedTable<UInt64, Int>(capacity: 2)
        for key in 0..<4 {
            let value = table.update(UInt64(key), default: 10 * key) { value -> Int in
                value += 1
                return value
            }
            #expect(value == 10 * key + 1 && table[UInt64(key)] == 10 * key + 1)
        }
        #expect(table.count == 2 && table.evictions == 2 && table.contains(2) && table.contains(3))
        #expect(table.update(3, default: 0) { $0 } == 31)
    }

    /// A flood of keys seen once (SYNs from random sources) must not push out a key in use (the attacker's state):
    /// first-in-first-out eviction did, and a SYN flood hid lateral movement (FloodTests).
    @Test func boundedTableKeepsKeysInUseOverKeysSeenOnce() {
        var table = BoundedTable<UInt64, Int>(capacity: 3)
        table[0] = 0
        for key in 1..<100 {
            table[UInt64(key)] = key
            if key % 2 == 0 { table.update(0, default: 0) { $0 += 1 } }
        }
        #expect(table.contains(0) && table[0] == 49 && table.count == 3 && table.evictions == 97)
        // Once no longer used, it goes within two sweeps like any other key.
        for key in 100..<106 { table[UInt64(key)] = key }
        #expect(!table.contains(0) && table.count == 3)
    }

    @Test func textHelpers() {
        #expect(GlobSet(["README*RESTORE*"]).matchesAny("readme_to_restore_files.txt"))
        #expect(!GlobSet(["HOW_TO_*"]).matchesAny("show_to_x"))
        #expect(Text.host(Text.hostName("Client.TeamViewer.COM."), isWithin: "teamviewer.com"))
        #expect(Text.host(Text.hostName("teamviewer.com"), isWithin: "teamviewer.com"))
        #expect(!Text.host(Text.hostName("notteamviewer.com"), isWithin: "teamviewer.com"))
        #expect(!Text.host(Text.hostName("com"), isWithin: "teamviewer.com"))
        #expect(!Text.host(Text.hostName("teamviewer.com"), isWithin: ""))
        #expect(Text.equalsIgnoringCase("ipc$", "IPC$") && Text.equalsIgnoringCase("Pacs1", "PACS1"))
        #expect(!Text.equalsIgnoringCase("IPC", "IPC$") && !Text.equalsIgnoringCase("ipc$", "ipd$"))
        #expect(!Text.equalsIgnoringCase("Ä", "ä"))  // ASCII letters only, as upper- and lower-casing here
        let notes = ["README*RESTORE*", "*DECRYPT*", "HOW_TO_*"]
        #expect(GlobSet(notes).matchesAny(Text.baseName(#"share\dir\How_To_Back_Files.html"#)))
        #expect(GlobSet(notes).matchesAny(Text.baseName("a/b/_decrypt_info_.txt")))
        #expect(!GlobSet(notes).matchesAny(Text.baseName(#"decrypt\report.docx"#)))
        #expect(!GlobSet([]).matchesAny("anything"))
        #expect(Text.fileExtension("a\\b.DOCX.LockBit") == "lockbit")
        #expect(Text.fileExtension("share/dir.d/.profile") == "")
        #expect(Text.fileExtension("noext") == "" && Text.fileExtension("trailing.") == "" && Text.fileExtension("") == "")
        #expect(Text.fileExtension("dir.x\\name") == "")
        #expect(Text.fileExtension("x." + String(repeating: "a", count: 33)) == "")
        #expect(Text.lowercased("ÄBC.Txt") == "Äbc.txt" && Text.uppercased("äbc.txt") == "äBC.TXT")
        #expect(Text.number(1.25, decimals: 1) == "1.3" || Text.number(1.25, decimals: 1) == "1.2")
        #expect(Text.count(1240) == "1,240")
    }
}

@Suite struct DetectionContextTests {
    /// An alert made lazily is made only when it goes out; a suppressed repeat is still counted, and the next alert
    /// after the interval carries the count, as with an alert made up front.
    @Test func lazyAlertIsMadeOnlyWhenAdmitted() {
        var configuration = DetectorConfiguration()
        configuration.suppressionSeconds = 10
        var context = DetectionContext(
            configuration: configuration, zones: testZones, inventory: testInventory, signatures: .builtIn)
        var made = 0
        for second in [0.0, 1, 2, 3, 20] {
            context.emit(rule: "test_rule", lastTime: at(second), first: ip("172.16.10.9")) { context in
                made += 1
                return Alert(
                    rule: "test_rule", ruleID: "WW-0000", severity: 5, riskScore: 50, message: "made \(made)",
                    technique: "T0000", source: ip("172.16.10.9"), firstTime: at(second), lastTime: at(second),
                    statistic: 1, threshold: Double(context.configuration.ransomwareMinimumFiles))
            }
        }
        #expect(made == 2)
        let first = context.pop()
        let second = context.pop()
        #expect(first?.message == "made 1" && first?.suppressedRepeats == 0 && first?.sourceZone == "clinical")
        #expect(second?.message == "made 2" && second?.suppressedRepeats == 3)
        #expect(context.pop() == nil)
    }
}
