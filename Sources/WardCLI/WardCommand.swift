import ArgumentParser
import Foundation
import WardEngine

/// The `wardwatch` root command.
public struct WardCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "wardwatch",
        abstract: "Network traffic anomaly sensor for hospital networks.",
        version: wardWatchVersion,
        subcommands: [
            ReplayCommand.self, LiveCommand.self, LearnCommand.self, InventoryCommand.self, CheckConfigCommand.self,
        ]
    )

    public init() {}

    /// Parses the process arguments, runs the command, and exits with the documented codes:
    /// 0 success, 1 bad input (unreadable capture, invalid filter or output), 2 usage error.
    public static func runAndExit(arguments: [String]? = nil) -> Never {
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            Foundation.exit(0)
        } catch let failure as InputFailure {
            FileHandle.standardError.write(Data("wardwatch: \(failure.message)\n".utf8))
            Foundation.exit(1)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }
}

/// The version reported by `--version` and in `observer.version`.
public let wardWatchVersion = "0.1.0"

/// Bad input (exit code 1): the message names the file or value at fault.
struct InputFailure: Error {
    let message: String
}
