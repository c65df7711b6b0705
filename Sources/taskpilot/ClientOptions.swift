import ArgumentParser
import Foundation
import NIOHTTP1

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

    /// Sends one request and prints its answer (`APIClient.show`): what most commands do.
    func call(_ method: HTTPMethod, _ path: String, json: String? = nil, table: @escaping (APIAnswer) -> String) async throws {
        try await withClient { api in
            api.show(await api.send(method, path, json: json), table: table)
        }
    }

    /// Runs `body` with a client for the server, shut down afterwards.
    func withClient<Value>(_ body: (APIClient) async throws -> Value) async throws -> Value {
        // A closed pipe is an answer (EPIPE from `StandardOutput`), not a signal that kills the
        // process mid-line.
        signal(SIGPIPE, SIG_IGN)
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
