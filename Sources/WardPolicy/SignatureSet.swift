import Foundation
import WardAnomaly
import Yams

/// The `Signatures/` data files the detectors use, each with a `schema_version`, validated like the site file.
public struct SignatureSet: Sendable {
    /// The files read from a signatures directory, in this order.
    public static let fileNames = [
        "lateral-movement.yaml", "ransomware.yaml", "remote-access.yaml", "dicom-sop-classes.yaml",
    ]

    public var adminPorts: [UInt16] = []
    public var adminShares: [String] = []
    public var adminPipes: [String] = []
    public var ransomNotePatterns: [String] = []
    public var ransomExtensions: [String] = []
    public var remoteAccessDomains: [(domain: String, tool: String)] = []
    public var sopClassNames: [String: String] = [:]

    public init() {}

    /// The values as the detectors take them; empty lists fall back to the built-in defaults.
    public var detectionSignatures: DetectionSignatures {
        let builtIn = DetectionSignatures.builtIn
        return DetectionSignatures(
            adminPorts: adminPorts.isEmpty ? builtIn.adminPorts : PortSet(adminPorts),
            adminShares: adminShares.isEmpty ? builtIn.adminShares : Set(adminShares),
            adminPipes: adminPipes.isEmpty ? builtIn.adminPipes : Set(adminPipes),
            ransomNotePatterns: ransomNotePatterns.isEmpty ? builtIn.ransomNotePatterns : ransomNotePatterns,
            ransomExtensions: ransomExtensions.isEmpty ? builtIn.ransomExtensions : Set(ransomExtensions),
            remoteAccessDomains: remoteAccessDomains.isEmpty ? builtIn.remoteAccessDomains : remoteAccessDomains,
            sopClassNames: sopClassNames)
    }

    /// Loads every file of `fileNames` from `directory`.
    /// - Throws: `ConfigurationErrors` with every problem found in any file.
    public static func load(directory: String) throws(ConfigurationErrors) -> SignatureSet {
        var set = SignatureSet()
        var errors: [ConfigurationError] = []
        for name in fileNames {
            let path = (directory as NSString).appendingPathComponent(name)
            switch readText(path) {
            case .failure(let error): errors.append(error)
            case .success(let text): errors += set.decode(file: name, text: text, path: path)
            }
        }
        guard errors.isEmpty else { throw ConfigurationErrors(errors: errors) }
        return set
    }

    /// Decodes one signatures file by its name; returns the problems found.
    public mutating func decode(file name: String, text: String, path: String) -> [ConfigurationError] {
        var reader = YAMLReader(file: path)
        guard let root = reader.compose(text) else { return reader.errors }
        switch name {
        case "lateral-movement.yaml":
            let members = reader.mapping(
                root, "", allowed: ["schema_version", "description", "admin_ports", "admin_shares", "admin_pipes"])
            reader.schemaVersion(members, root: root)
            for member in members {
                switch member.key {
                case "admin_ports":
                    for (index, item) in reader.sequence(member.value, "admin_ports").enumerated() {
                        let itemPath = "admin_ports[\(index)]"
                        let portNode: Node?
                        if case .mapping = item {
                            portNode = reader.mapping(item, itemPath, allowed: ["port", "service"])
                                .first { $0.key == "port" }?.value
                            if portNode == nil { reader.fail(.missingKey, item, "\(itemPath).port", "required") }
                        } else {
                            portNode = item
                        }
                        if let portNode, let port = reader.integer(portNode, itemPath, range: 1...65535) {
                            adminPorts.append(UInt16(port))
                        }
                    }
                case "admin_shares": adminShares = reader.strings(member.value, "admin_shares")
                case "admin_pipes": adminPipes = reader.strings(member.value, "admin_pipes")
                default: break
                }
            }
        case "ransomware.yaml":
            let members = reader.mapping(root, "", allowed: ["schema_version", "description", "note_patterns", "extensions"])
            reader.schemaVersion(members, root: root)
            for member in members {
                switch member.key {
                case "note_patterns": ransomNotePatterns = reader.strings(member.value, "note_patterns")
                case "extensions":
                    let nodes = reader.sequence(member.value, "extensions")
                    for (index, node) in nodes.enumerated() {
                        guard let text = reader.string(node, "extensions[\(index)]") else { continue }
                        let bare = text.hasPrefix(".") ? String(text.dropFirst()) : text
                        if bare.isEmpty || bare.contains(".") || bare.contains("/") || bare.contains(" ") {
                            reader.fail(.badValue, node, "extensions[\(index)]", "expected one extension like .locked, got \"\(text)\"")
                        } else {
                            ransomExtensions.append(bare.lowercased())
                        }
                    }
                default: break
                }
            }
        case "remote-access.yaml":
            let members = reader.mapping(root, "", allowed: ["schema_version", "description", "tools"])
            reader.schemaVersion(members, root: root)
            for member in members where member.key == "tools" {
                for (index, item) in reader.sequence(member.value, "tools").enumerated() {
                    let itemPath = "tools[\(index)]"
                    let fields = reader.mapping(item, itemPath, allowed: ["name", "domains"])
                    guard let nameNode = fields.first(where: { $0.key == "name" })?.value,
                        let tool = reader.string(nameNode, "\(itemPath).name")
                    else {
                        if case .mapping = item { reader.fail(.missingKey, item, "\(itemPath).name", "required") }
                        continue
                    }
                    guard let domainsNode = fields.first(where: { $0.key == "domains" })?.value else {
                        reader.fail(.missingKey, item, "\(itemPath).domains", "required")
                        continue
                    }
                    for (domainIndex, node) in reader.sequence(domainsNode, "\(itemPath).domains").enumerated() {
                        let domainPath = "\(itemPath).domains[\(domainIndex)]"
                        guard let domain = reader.string(node, domainPath) else { continue }
                        let valid =
                            domain.contains(".") && !domain.hasPrefix(".") && !domain.hasSuffix(".")
                            && domain.allSatisfy { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }
                        if valid {
                            remoteAccessDomains.append((domain.lowercased(), tool))
                        } else {
                            reader.fail(.badValue, node, domainPath, "\"\(domain)\" is not a domain name like anydesk.com")
                        }
                    }
                }
            }
        case "dicom-sop-classes.yaml":
            let members = reader.mapping(root, "", allowed: ["schema_version", "description", "sop_classes"])
            reader.schemaVersion(members, root: root)
            for member in members where member.key == "sop_classes" {
                for (index, item) in reader.sequence(member.value, "sop_classes").enumerated() {
                    let itemPath = "sop_classes[\(index)]"
                    let fields = reader.mapping(item, itemPath, allowed: ["uid", "name"])
                    guard case .mapping = item else { continue }
                    guard let uidNode = fields.first(where: { $0.key == "uid" })?.value,
                        let nameNode = fields.first(where: { $0.key == "name" })?.value
                    else {
                        reader.fail(.missingKey, item, itemPath, "each SOP class needs uid and name")
                        continue
                    }
                    guard let uid = reader.string(uidNode, "\(itemPath).uid"),
                        let className = reader.string(nameNode, "\(itemPath).name")
                    else { continue }
                    if !Self.isValidUID(uid) {
                        reader.fail(.badValue, uidNode, "\(itemPath).uid", "\"\(uid)\" is not a DICOM UID (PS3.5 §9: digits and dots, ≤ 64)")
                    } else if className.isEmpty || className.count > 128 {
                        reader.fail(.badValue, nameNode, "\(itemPath).name", "a SOP class name has 1 to 128 characters")
                    } else if sopClassNames[uid] != nil {
                        reader.fail(.duplicate, uidNode, "\(itemPath).uid", "UID \(uid) listed twice")
                    } else {
                        sopClassNames[uid] = className
                    }
                }
            }
        default:
            reader.fail(.unknownKey, nil, "", "unknown signatures file \(name)")
        }
        return reader.errors
    }

    /// DICOM PS3.5 §9.1: components of digits separated by dots, no leading zero in a component, at most 64 chars.
    static func isValidUID(_ uid: String) -> Bool {
        guard !uid.isEmpty, uid.utf8.count <= 64 else { return false }
        for component in uid.split(separator: ".", omittingEmptySubsequences: false) {
            guard !component.isEmpty, component.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
            if component.count > 1 && component.hasPrefix("0") { return false }
        }
        return true
    }
}

/// `wardwatch check-config [FILE]`: every problem in the site file (when given) and in the signatures directory
/// (when given), each naming file, line and key; empty when both are valid.
public func validate(siteFile: String?, signaturesDirectory: String?) -> [ConfigurationError] {
    var errors: [ConfigurationError] = []
    if let siteFile {
        do throws(ConfigurationErrors) {
            _ = try SiteConfiguration.load(path: siteFile)
        } catch {
            errors += error.errors
        }
    }
    if let signaturesDirectory {
        do throws(ConfigurationErrors) {
            _ = try SignatureSet.load(directory: signaturesDirectory)
        } catch {
            errors += error.errors
        }
        // The fallback vendor file is validated even where the system registry would be used instead.
        do throws(ConfigurationErrors) {
            _ = try MACVendorRegistry.load(signaturesDirectory: signaturesDirectory, systemPath: "")
        } catch {
            errors += error.errors
        }
    }
    return errors
}
