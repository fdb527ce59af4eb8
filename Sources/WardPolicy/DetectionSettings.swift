import WardAnomaly
import Yams

/// The `detection:` section of `wardwatch.yaml`: snake_case overrides of `DetectorConfiguration`.
enum DetectionSettings {
    static var numbers: [(String, WritableKeyPath<DetectorConfiguration, Double>, ClosedRange<Double>)] {
        [
        ("warm_up_seconds", \.warmUpSeconds, 0...31_536_000),
        ("suppression_seconds", \.suppressionSeconds, 0...31_536_000),
        ("arp_recent_seconds", \.arpRecentSeconds, 0...31_536_000),
        ("arp_storm_window_seconds", \.arpStormWindowSeconds, 0.001...86_400),
        ("lateral_window_seconds", \.lateralWindowSeconds, 1...86_400),
        ("lateral_z_score", \.lateralZScore, 0...100),
        ("lateral_baseline_alpha", \.lateralBaselineAlpha, 0.0001...1),
        ("lateral_remote_maintenance_weight", \.lateralRemoteMaintenanceWeight, 0.01...10),
        ("lateral_failure_ratio", \.lateralFailureRatio, 0...1),
        ("ransomware_window_seconds", \.ransomwareWindowSeconds, 1...3600),
        ("ransomware_entropy_bits_per_byte", \.ransomwareEntropyBitsPerByte, 0...8),
        ("encrypted_volume_z_score", \.encryptedVolumeZScore, 0...100),
        ("dicom_bulk_window_seconds", \.dicomBulkWindowSeconds, 1...604_800),
        ("dicom_bulk_z_score", \.dicomBulkZScore, 0...100),
    ]
    }
    static var integers: [(String, WritableKeyPath<DetectorConfiguration, Int>, ClosedRange<Int>)] {
        [
        ("maximum_table_entries", \.maximumTableEntries, 16...16_777_216),
        ("arp_storm_threshold", \.arpStormThreshold, 1...1_000_000),
        ("lateral_minimum_destinations", \.lateralMinimumDestinations, 1...1_000_000),
        ("ransomware_minimum_files", \.ransomwareMinimumFiles, 1...9),
        ("ransomware_minimum_write_bytes", \.ransomwareMinimumWriteBytes, 0...1_073_741_824),
        ("encrypted_volume_minimum_bytes", \.encryptedVolumeMinimumBytes, 0...Int.max),
        ("encrypted_volume_minimum_windows", \.encryptedVolumeMinimumWindows, 0...1_000_000),
        ("dicom_bulk_minimum_instances", \.dicomBulkMinimumInstances, 1...100_000_000),
    ]
    }
    static var flags: [(String, WritableKeyPath<DetectorConfiguration, Bool>)] {
        [
        ("learn_macs_during_warm_up", \.learnMACsDuringWarmUp),
        ("flag_locally_administered", \.flagLocallyAdministered),
    ]
    }

    static var allKeys: [String] { numbers.map(\.0) + integers.map(\.0) + flags.map(\.0) }

    static func decode(_ node: Node, _ path: String, _ reader: inout YAMLReader) -> DetectorConfiguration {
        var configuration = DetectorConfiguration()
        for member in reader.mapping(node, path, allowed: allKeys) {
            let memberPath = "\(path).\(member.key)"
            if let entry = numbers.first(where: { $0.0 == member.key }) {
                if let value = reader.number(member.value, memberPath, range: entry.2) { configuration[keyPath: entry.1] = value }
            } else if let entry = integers.first(where: { $0.0 == member.key }) {
                if let value = reader.integer(member.value, memberPath, range: entry.2) { configuration[keyPath: entry.1] = value }
            } else if let entry = flags.first(where: { $0.0 == member.key }) {
                if let value = reader.bool(member.value, memberPath) { configuration[keyPath: entry.1] = value }
            }
        }
        return configuration
    }
}
