import ArgumentParser
import Foundation
import WardAnomaly
import WardCore
import WardPolicy
import WardState

/// `wardwatch inventory list|export`: what the sensor knows about the devices on the network (the state DB), joined
/// with the site file's declared devices.
struct InventoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inventory",
        abstract: "Show the devices in the state DB: vendor, addresses, first/last seen, services, AE titles, HL7 apps.",
        subcommands: [List.self, Export.self],
        defaultSubcommand: List.self
    )

    /// `inventory list`: a table for the terminal.
    struct List: ParsableCommand {
        // Named here: ArgumentParser derives a missing name from the type's name at every start of any command
        // (`String(describing:)` demangles it): 4 % of a replay's start-up instructions.
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Print the devices as a table.")

        @OptionGroup var source: InventorySource

        mutating func run() throws {
            let rows = try source.rows()
            var table: [[String]] = [["MAC", "VENDOR", "ADDRESSES", "FIRST SEEN", "LAST SEEN", "SERVICES", "DICOM AE", "HL7", "NAME"]]
            for row in rows {
                let device = row.device
                var vendor = device.vendor ?? (device.locallyAdministered ? "(randomised)" : "?")
                if vendor.count > 24 { vendor = String(vendor.prefix(23)) + "…" }
                var addresses = device.addresses.prefix(3).joined(separator: ",")
                if device.addresses.count > 3 || device.addressOverflow > 0 {
                    addresses += " +\(device.addresses.count - min(3, device.addresses.count) + device.addressOverflow)"
                }
                table.append([
                    device.mac, vendor, addresses, day(device.firstSeen), day(device.lastSeen),
                    device.servicesOffered.prefix(4).joined(separator: ","), device.dicomAETitles.joined(separator: ","),
                    device.hl7Applications.joined(separator: ","), row.name ?? "(not declared)",
                ])
            }
            let widths = table[0].indices.map { column in table.map { $0[column].count }.max() ?? 0 }
            for line in table {
                print(line.indices.map { line[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                    .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
            }
            let undeclared = rows.filter { $0.name == nil }.count
            print("\(rows.count) devices, \(undeclared) not declared in the site file")
        }

        private func day(_ nanoseconds: Int64) -> String {
            String(Summary.timestamp(PacketTime(nanoseconds: nanoseconds)).prefix(19)).replacingOccurrences(of: "T", with: " ")
        }
    }

    /// `inventory export`: JSON lines or CSV, for a CMDB or a spreadsheet.
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export", abstract: "Write the devices as JSON lines or CSV.")

        enum Format: String, ExpressibleByArgument {
            case json, csv
        }

        @OptionGroup var source: InventorySource

        @Option(name: .long, help: "json (one object per line) or csv.")
        var format: Format = .json

        mutating func run() throws {
            let rows = try source.rows()
            switch format {
            case .json:
                for row in rows {
                    let data = try JSONSerialization.data(withJSONObject: row.jsonObject, options: [.sortedKeys])
                    print(String(decoding: data, as: UTF8.self))
                }
            case .csv:
                print(InventoryRow.csvHeader.joined(separator: ","))
                for row in rows { print(row.csvFields.map(csvQuoted).joined(separator: ",")) }
            }
        }

        private func csvQuoted(_ field: String) -> String {
            guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return field }
            return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
    }
}

/// `--state` (required) and `--config` for the inventory commands.
struct InventorySource: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The state DB.", valueName: "state.db"))
    var state: String

    @Option(name: .long, help: ArgumentHelp("The site file, for the declared devices' names and roles.", valueName: "wardwatch.yaml"))
    var config: String?

    /// The devices of the state DB with their declared names.
    func rows() throws -> [InventoryRow] {
        guard FileManager.default.fileExists(atPath: state) else {
            throw InputFailure(message: "\(state): no such state DB (create one with `wardwatch learn --state \(state) ...`)")
        }
        let devices: [InventoryDevice]
        do {
            devices = try StateStore(path: state).devices()
        } catch {
            throw InputFailure(message: error.description)
        }
        var declared = DeviceInventory.empty
        if let config {
            do throws(ConfigurationErrors) {
                declared = try SiteConfiguration.load(path: config).inventory
            } catch {
                throw InputFailure(message: error.description)
            }
        }
        return devices.map { device in
            let known =
                MACAddress(device.mac).flatMap(declared.device(mac:))
                ?? device.addresses.lazy.compactMap { IPAddress($0).flatMap(declared.device(address:)) }.first
            return InventoryRow(device: device, name: known?.name, role: known?.role)
        }
    }
}

/// One device with the name and role the site file declares for it.
struct InventoryRow {
    var device: InventoryDevice
    var name: String?
    var role: String?

    static let csvHeader = [
        "mac", "vendor", "locally_administered", "addresses", "first_seen", "last_seen", "vlan", "services_offered",
        "services_used", "dicom_ae_titles", "hl7_applications", "name", "role",
    ]

    var csvFields: [String] {
        [
            device.mac, device.vendor ?? "", String(device.locallyAdministered), device.addresses.joined(separator: ";"),
            Summary.timestamp(PacketTime(nanoseconds: device.firstSeen)),
            Summary.timestamp(PacketTime(nanoseconds: device.lastSeen)), device.vlan.map(String.init) ?? "",
            device.servicesOffered.joined(separator: ";"), device.servicesUsed.joined(separator: ";"),
            device.dicomAETitles.joined(separator: ";"), device.hl7Applications.joined(separator: ";"), name ?? "",
            role ?? "",
        ]
    }

    var jsonObject: [String: Any] {
        var object: [String: Any] = [
            "mac": device.mac, "locally_administered": device.locallyAdministered, "addresses": device.addresses,
            "address_overflow": device.addressOverflow,
            "first_seen": Summary.timestamp(PacketTime(nanoseconds: device.firstSeen)),
            "last_seen": Summary.timestamp(PacketTime(nanoseconds: device.lastSeen)),
            "services_offered": device.servicesOffered, "services_used": device.servicesUsed,
            "dicom_ae_titles": device.dicomAETitles, "hl7_applications": device.hl7Applications,
            "declared": name != nil,
        ]
        if let vendor = device.vendor { object["vendor"] = vendor }
        if let vlan = device.vlan { object["vlan"] = vlan }
        if let name { object["name"] = name }
        if let role { object["role"] = role }
        return object
    }
}
