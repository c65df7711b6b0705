import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import TaskPilot

/// One answer from TaskPilot, as it came.
struct APIAnswer {
    let status: HTTPResponseStatus
    let headers: HTTPHeaders
    let body: ByteBuffer

    var isSuccess: Bool { (200..<300).contains(status.code) }
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
    }
    var fromScheduler: Bool { headers["TaskPilot-Source"].first == "scheduler" }
}

/// The command-line client's HTTP side. Exit codes: 1 for an answer that is not a 2xx (the
/// server's message on standard error), 3 when TaskPilot cannot be reached.
final class APIClient: Sendable {
    let server: String
    let token: String?
    let output: ClientOptions.Output
    private let client: HTTPClient

    init(server: String, token: String?, output: ClientOptions.Output) {
        self.server = server
        self.token = token
        self.output = output
        var configuration = HTTPClient.Configuration()
        // No read timeout: `events` streams stay quiet for up to `events.heartbeatMs`; every
        // other request has a deadline of its own (`send`).
        configuration.timeout = .init(connect: .seconds(5))
        // A refused connection is an answer for an operator: say so at once, not after retrying.
        configuration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    func shutdown() async throws {
        try await client.shutdown()
    }

    func request(_ method: HTTPMethod, _ path: String, json: String? = nil, accept: String = "application/json") -> HTTPClientRequest {
        var request = HTTPClientRequest(url: server + path)
        request.method = method
        request.headers.add(name: "Accept", value: accept)
        request.headers.add(name: "User-Agent", value: "taskpilot-cli/\(TaskPilotVersion.current)")
        if let token {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        return request
    }

    /// Sends one request and reads the whole answer.
    func send(_ method: HTTPMethod, _ path: String, json: String? = nil) async -> APIAnswer {
        do {
            let response = try await client.execute(request(method, path, json: json), timeout: .seconds(65))
            let body = try await response.body.collect(upTo: 256 << 20)
            return APIAnswer(status: response.status, headers: response.headers, body: body)
        } catch {
            unreachable(error)
        }
    }

    /// Sends a request whose answer is a stream: the response, for its body to be read as it comes.
    func open(_ path: String, accept: String) async throws -> HTTPClientResponse {
        try await client.execute(request(.GET, path, accept: accept), deadline: .distantFuture)
    }

    /// Prints a 2xx answer: its body unchanged and a newline (json), or as `table` makes it.
    /// Any other answer exits 1 with the status and the server's message (its body still
    /// printed with json).
    func show(_ answer: APIAnswer, table: ((APIAnswer) -> String)?) {
        if output == .json {
            StandardOutput.write(Array(answer.body.readableBytesView) + [UInt8(ascii: "\n")])
        }
        guard answer.isSuccess else { fail(answer) }
        if output == .table, let table {
            print(table(answer))
        }
    }

    func fail(_ answer: APIAnswer) -> Never {
        let message = answer.object["message"] as? String ?? String(buffer: answer.body)
        let source = answer.fromScheduler ? " from the scheduler" : ""
        ClientExit.fail(1, "\(answer.status.code) \(answer.status.reasonPhrase)\(source): \(message)")
    }

    func unreachable(_ error: any Error) -> Never {
        ClientExit.fail(3, "cannot reach TaskPilot at \(server): \(Self.describe(error))")
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as NIOConnectionError:
            return error.connectionErrors.first.map { describe($0.error) } ?? "the connection failed"
        case let error as IOError:
            return String(cString: strerror(error.errnoCode))
        case let error as HTTPClientError where error == .connectTimeout:
            return "no connection within 5 s"
        case let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout:
            return "no answer within 60 s"
        case let error as HTTPClientError where error == .remoteConnectionClosed:
            return "the connection was closed before a complete answer"
        default:
            return "\(error)"
        }
    }
}

/// How a client command ends when it cannot succeed: one line on standard error, then the code.
enum ClientExit {
    static func fail(_ code: Int32, _ line: String) -> Never {
        FileHandle.standardError.write(Data("taskpilot: \(line)\n".utf8))
        exit(code)
    }
}
