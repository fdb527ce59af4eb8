import ArgumentParser
import Foundation
import WardAnomaly
import WardDICOM
import WardEngine
import WardOutput
import WardPolicy

/// `--config` and `--signatures`: the site file and the Signatures/ directory the detectors use.
struct SiteOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The site file (zones, devices, detection settings).", valueName: "wardwatch.yaml"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("The Signatures/ directory (default: ./Signatures, then /usr/share/wardwatch/Signatures, else built in).", valueName: "dir"))
    var signatures: String?

    /// The signatures directory to use, if any.
    var signaturesDirectory: String? {
        signatures ?? defaultSignaturesDirectory()
    }

    /// The detectors configured from the site file and signatures; a bad file is bad input (exit 1).
    private func detectionEngine() throws -> DetectionEngine {
        do throws(ConfigurationErrors) {
            let (site, signatures) = try load()
            return DetectionEngine(
                configuration: site.detection, zones: site.zoneMap, knownDevices: site.inventory,
                signatures: signatures)
        } catch {
            throw InputFailure(message: error.description)
        }
    }

    /// Configures a run: the detectors, and the SOP class names DICOM events carry.
    func apply(to options: inout RunOptions) throws {
        let detectorsEnabled = options.detection.isEnabled  // `--no-detectors`, set by the common options
        options.detection = try detectionEngine()
        options.detection.isEnabled = detectorsEnabled
        options.observer.sopClassNames = DICOMSOPClassNames(options.detection.signatures.sopClassNames)
    }

    /// Re-reads the site file and signatures into running detectors (SIGHUP); returns the problem, or `nil`.
    func reload(into detection: inout DetectionEngine) -> String? {
        do throws(ConfigurationErrors) {
            let (site, signatures) = try load()
            detection.reconfigure(
                configuration: site.detection, zones: site.zoneMap, knownDevices: site.inventory,
                signatures: signatures)
            return nil
        } catch {
            return error.description
        }
    }

    private func load() throws(ConfigurationErrors) -> (SiteConfiguration, DetectionSignatures) {
        var site = SiteConfiguration.defaults
        var signatures = DetectionSignatures.builtIn
        if let config { site = try SiteConfiguration.load(path: config) }
        if let directory = signaturesDirectory {
            signatures = try SignatureSet.load(directory: directory).detectionSignatures
        }
        signatures.macVendors = try MACVendorRegistry.load(signaturesDirectory: signaturesDirectory)
        return (site, signatures)
    }
}

/// `wardwatch check-config`: validates the site file and Signatures/ and prints each problem with file and line.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a site file and the Signatures/ directory; print each problem as file:line:column."
    )

    @Argument(help: ArgumentHelp("The site file.", valueName: "wardwatch.yaml"))
    var siteFile: String?

    @Option(name: .long, help: ArgumentHelp("The Signatures/ directory.", valueName: "dir"))
    var signatures: String?

    mutating func run() throws {
        let directory = signatures ?? defaultSignaturesDirectory()
        let errors = WardPolicy.validate(siteFile: siteFile, signaturesDirectory: directory)
        for error in errors { FileHandle.standardError.write(Data("\(error)\n".utf8)) }
        if !errors.isEmpty { throw ExitCode(1) }
        print("configuration OK: \(siteFile ?? "(no site file)"), \(directory ?? "built-in signatures")")
    }
}

/// `./Signatures` when run from a checkout, else the installed `/usr/share/wardwatch/Signatures`, else none (built in).
func defaultSignaturesDirectory() -> String? {
    ["Signatures", "/usr/share/wardwatch/Signatures"].first { FileManager.default.fileExists(atPath: $0) }
}
