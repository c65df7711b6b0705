import ArgumentParser
import Foundation

/// What every client command shares: which TaskPilot to ask, and how to print its answers.
/// The token comes from `TASKPILOT_TOKEN` only, never a flag, so that it stays out of shell
/// history and process lists.
struct ClientOptions: ParsableArguments {
    enum Output: String, ExpressibleByArgument, CaseIterable {
        case table
        case json
    }

    static let defaultServer = "http://127.0.0.1:8081"

    @Option(help: "TaskPilot's base URL (TASKPILOT_SERVER). (default: \(Self.defaultServer))")
    var server: String?

    @Option(help: "table, or json: the server's body unchanged. (default: table on a terminal, else json)")
    var output: Output?

    var serverURL: String {
        let url = server ?? ProcessInfo.processInfo.environment["TASKPILOT_SERVER"] ?? Self.defaultServer
        return url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    func validate() throws {
        guard let url = URL(string: serverURL), ["http", "https"].contains(url.scheme ?? ""), url.host != nil,
            url.query == nil, url.fragment == nil
        else {
            throw ValidationError("the server must be an http:// or https:// URL, not \"\(serverURL)\"")
        }
    }

    /// Runs `body` with a client for the server, shut down afterwards.
    func withClient<Value>(_ body: (APIClient) async throws -> Value) async throws -> Value {
        let format = output ?? (isatty(STDOUT_FILENO) != 0 ? .table : .json)
        let client = APIClient(server: serverURL, token: ProcessInfo.processInfo.environment["TASKPILOT_TOKEN"], output: format)
        do {
            let value = try await body(client)
            try await client.shutdown()
            return value
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}
