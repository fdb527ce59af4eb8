import WardCLI

/// The `wardwatch` executable: everything lives in `WardCLI`, so the CLI can be tested in-process.
@main
enum Entrypoint {
    static func main() {
        WardCommand.runAndExit()
    }
}
