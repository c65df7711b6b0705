import Foundation
import Testing

/// Runs the `taskpilot` executable that `swift test` built beside this test binary.
enum TaskPilotCLI {
    static let launching = NSLock()

    struct Result {
        var code: Int32
        var stdout: String
        var stderr: String
    }

    static var binary: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appending(path: "taskpilot")
    }

    /// A process with no `TASKPILOT_*` variable of the caller's but `environment`, its output
    /// going to files (a pipe nobody reads while it runs could fill and block it).
    static func start(
        _ arguments: [String], environment: [String: String], folder: TemporaryFolder, onExit: (@Sendable (Process) -> Void)? = nil
    ) throws -> (Process, stdout: URL, stderr: URL) {
        let process = Process()
        process.terminationHandler = onExit
        process.executableURL = binary
        process.arguments = arguments
        var variables = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("TASKPILOT_") }
        variables.merge(environment) { $1 }
        process.environment = variables
        let name = UUID().uuidString
        let stdout = folder.url.appending(path: "\(name).out")
        let stderr = folder.url.appending(path: "\(name).err")
        _ = FileManager.default.createFile(atPath: stdout.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: stdout)
        process.standardError = try FileHandle(forWritingTo: stderr)
        // Foundation's Process.run is not safe to call from several threads at once on Linux
        // (seen: a crash in its memcpy while another test launched a process).
        try launching.withLock { try process.run() }
        return (process, stdout, stderr)
    }

    static func run(_ arguments: [String], environment: [String: String] = [:], folder: TemporaryFolder) async throws -> Result {
        // A stream, not a continuation: the process may end before `start` has returned.
        let (exited, exit) = AsyncStream<Void>.makeStream()
        let (process, stdout, stderr) = try start(arguments, environment: environment, folder: folder) { _ in exit.finish() }
        for await _ in exited {}
        return Result(code: process.terminationStatus, stdout: try String(contentsOf: stdout, encoding: .utf8), stderr: try String(contentsOf: stderr, encoding: .utf8))
    }
}
