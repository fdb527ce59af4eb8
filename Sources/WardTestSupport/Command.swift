import Foundation

/// The outcome of running an external program in a test.
public struct CommandResult {
    /// Exit status.
    public let status: Int32
    /// Standard output.
    public let output: String
    /// Standard error.
    public let error: String
}

/// Runs `executable` with `arguments` and collects its output (tests only: tshark, the built binary).
/// Standard error goes through a temporary file so that neither pipe can fill up and block the program;
/// `standardInput` is a file to read standard input from (default: none).
public func runCommand(_ executable: String, _ arguments: [String], standardInput: String? = nil) throws -> CommandResult {
    let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("wardwatch-stderr-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: errorFile) }
    let errorHandle = try FileHandle(forWritingTo: errorFile)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let outputPipe = Pipe()
    process.standardOutput = outputPipe
    process.standardError = errorHandle
    if let standardInput { process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: standardInput)) }
    try process.run()
    let outputData = outputPipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    try errorHandle.close()
    let errorData = (try? Data(contentsOf: errorFile)) ?? Data()
    return CommandResult(
        status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
        error: String(decoding: errorData, as: UTF8.self))
}

/// The path of a program on `PATH`, if installed.
public func which(_ program: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":") {
        let candidate = "\(directory)/\(program)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}
