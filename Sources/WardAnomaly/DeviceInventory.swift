import WardCore

/// A device the site declares (the `devices:` list of `wardwatch.yaml`).
public struct KnownDevice: Sendable, Hashable {
    public var mac: MACAddress?
    public var address: IPAddress?
    public var name: String
    public var role: String?
    /// DICOM AE titles this device uses (calling or called); empty = not declared.
    public var dicomAETitles: [String]
    /// HL7 sending applications (MSH-3) this device uses; empty = not declared.
    public var hl7Applications: [String]

    public init(
        mac: MACAddress?, address: IPAddress?, name: String, role: String? = nil, dicomAETitles: [String] = [],
        hl7Applications: [String] = []
    ) {
        self.mac = mac
        self.address = address
        self.name = name
        self.role = role
        self.dicomAETitles = dicomAETitles
        self.hl7Applications = hl7Applications
    }
}

/// The declared devices, indexed by MAC and by IP address.
public struct DeviceInventory: Sendable {
    public let devices: [KnownDevice]
    private let byMAC: [MACAddress: Int]
    private let byAddress: [IPAddress: Int]

    /// No declared devices.
    public static let empty = DeviceInventory([])

    public init(_ devices: [KnownDevice]) {
        self.devices = devices
        var byMAC: [MACAddress: Int] = [:]
        var byAddress: [IPAddress: Int] = [:]
        for (index, device) in devices.enumerated() {
            if let mac = device.mac, byMAC[mac] == nil { byMAC[mac] = index }
            if let address = device.address, byAddress[address] == nil { byAddress[address] = index }
        }
        self.byMAC = byMAC
        self.byAddress = byAddress
    }

    public func device(mac: MACAddress) -> KnownDevice? { byMAC[mac].map { devices[$0] } }
    public func device(address: IPAddress) -> KnownDevice? { byAddress[address].map { devices[$0] } }
}

/// The `Signatures/` data the detectors use, with built-in defaults equal to the shipped files.
public struct DetectionSignatures: Sendable {
    /// Lateral movement: admin service ports (`Signatures/lateral-movement.yaml`).
    public var adminPorts: PortSet
    /// Admin shares, upper-cased (`ADMIN$`, `C$`); `IPC$` is not one (every client opens it).
    public var adminShares: Set<String>
    /// Named pipes for remote service/task/registry control, lower-cased (`svcctl`, `atsvc`).
    public var adminPipes: Set<String>
    /// Ransom note file name globs (`README*RESTORE*`, `*DECRYPT*`, `HOW_TO_*`) (`Signatures/ransomware.yaml`).
    public var ransomNotePatterns: [String] {
        didSet { ransomNotes = GlobSet(ransomNotePatterns) }
    }
    /// `ransomNotePatterns`, ready to match.
    private(set) var ransomNotes: GlobSet
    /// Known ransomware file extensions, lower-cased without the dot (`lockbit`).
    public var ransomExtensions: Set<String>
    /// Remote-control tool domains → tool name (`Signatures/remote-access.yaml`).
    public var remoteAccessDomains: [(domain: String, tool: String)]
    /// DICOM SOP class UID → name (`Signatures/dicom-sop-classes.yaml`).
    public var sopClassNames: [String: String]
    /// MAC vendors (IEEE OUI registry, or `Signatures/mac-vendors.csv`).
    public var macVendors: MACVendors = .empty

    public init(
        adminPorts: PortSet, adminShares: Set<String>, adminPipes: Set<String>, ransomNotePatterns: [String],
        ransomExtensions: Set<String>, remoteAccessDomains: [(domain: String, tool: String)],
        sopClassNames: [String: String]
    ) {
        self.adminPorts = adminPorts
        self.adminShares = Set(adminShares.map(Text.uppercased))
        self.adminPipes = Set(adminPipes.map(Text.lowercased))
        self.ransomNotePatterns = ransomNotePatterns
        self.ransomNotes = GlobSet(ransomNotePatterns)
        self.ransomExtensions = Set(ransomExtensions.map { Text.lowercased($0.hasPrefix(".") ? String($0.dropFirst()) : $0) })
        self.remoteAccessDomains = remoteAccessDomains.map { (Text.lowercased($0.domain), $0.tool) }
        self.sopClassNames = sopClassNames
    }

    /// The built-in defaults (a subset of the shipped files, for running without `Signatures/`).
    public static let builtIn = DetectionSignatures(
        adminPorts: [22, 135, 139, 445, 3389, 5900, 5985, 5986],
        adminShares: ["ADMIN$", "C$", "D$", "E$"],
        adminPipes: ["svcctl", "atsvc", "winreg", "samr", "lsarpc", "drsuapi", "epmapper"],
        ransomNotePatterns: [
            "README*RESTORE*", "*RESTORE*FILES*", "*DECRYPT*", "HOW_TO_*", "*RECOVER*FILES*", "*_readme.txt",
            "*RANSOM*",
        ],
        ransomExtensions: [
            "locked", "lockbit", "encrypted", "crypt", "crypted", "enc", "ryk", "conti", "hive", "blackcat",
            "akira", "royal", "play", "wncry", "wnry", "locky", "cerber",
        ],
        remoteAccessDomains: [
            ("anydesk.com", "AnyDesk"), ("teamviewer.com", "TeamViewer"), ("screenconnect.com", "ConnectWise ScreenConnect"),
            ("splashtop.com", "Splashtop"), ("atera.com", "Atera"), ("rustdesk.com", "RustDesk"),
        ],
        sopClassNames: [:])
}
