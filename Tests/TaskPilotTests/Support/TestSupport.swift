import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOHTTP1
import HTTPTypes
import HummingbirdTesting
import Logging
import TaskPilot
import Testing

/// A fresh folder under the system's temporary directory.
struct TemporaryFolder: Sendable {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory.appending(path: "taskpilot-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String {
        url.appending(path: name).path
    }
}

let quietLogger: Logger = {
    var logger = Logger(label: "taskpilot-tests")
    logger.logLevel = .error
    return logger
}()

/// A configuration for a test: a free port, a database file of its own. The watcher is off
/// unless asked for, so that a test counting DTP calls counts only its own.
func testConfiguration(
    database: String,
    schedulerURL: String = "http://127.0.0.1:9",
    timeoutMilliseconds: Int = 2000,
    watch: Bool = false
) -> TaskPilotConfiguration {
    var configuration = TaskPilotConfiguration()
    configuration.watchEnabled = watch
    configuration.port = 0
    configuration.databasePath = database
    configuration.databaseURL = TestDatabase.url(for: database) ?? ""
    configuration.schedulerURL = schedulerURL
    configuration.schedulerTimeoutMilliseconds = timeoutMilliseconds
    return configuration
}

/// Runs TaskPilot on real HTTP over loopback for the length of `body`, then shuts it down
/// gracefully (closing its database), as SIGTERM would.
func withTaskPilot<Value: Sendable>(
    _ configuration: TaskPilotConfiguration,
    logger: Logger = quietLogger,
    lifecycle: ServerLifecycle = ServerLifecycle(),
    _ body: @Sendable (any TestClientProtocol) async throws -> Value
) async throws -> Value {
    try await TestDatabase.create(for: configuration)
    let application = try await buildApplication(configuration, logger: logger, lifecycle: lifecycle)
    return try await application.test(.live, body)
}

extension TestClientProtocol {
    /// Sends a request with an optional JSON body.
    func send(_ method: HTTPRequest.Method, _ uri: String, json: String? = nil, headers: HTTPFields = [:]) async throws -> TestResponse {
        var fields = headers
        if json != nil { fields[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: fields, body: json.map { ByteBuffer(string: $0) })
    }

    /// Creates a web task and answers its id.
    func createTask(type: String = "demo", payload: String = "hello") async throws -> Int64 {
        let response = try await send(.post, "/api/tasks", json: #"{"type":"\#(type)","payload":"\#(payload)"}"#)
        #expect(response.status == .created)
        return try #require(response.object[int: "id"])
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    /// The body as a JSON object, or empty when it is not one.
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
    }

    /// The keys of the body's top-level object, in the order they were written.
    var keyOrder: [String] { topLevelKeys(text) }

    var source: String? { headers[HTTPField.Name("TaskPilot-Source")!] }
}

/// The keys of a compact JSON object's top level, in order (nested objects skipped).
func topLevelKeys(_ json: String) -> [String] {
    var keys: [String] = []
    var depth = 0
    var inString = false
    var escaped = false
    var current = ""
    var expectingKey = false
    for character in json {
        if inString {
            if escaped { escaped = false; current.append(character); continue }
            if character == "\\" { escaped = true; continue }
            if character == "\"" {
                inString = false
                if expectingKey && depth == 1 { keys.append(current) }
                expectingKey = false
                continue
            }
            current.append(character)
            continue
        }
        switch character {
        case "\"": inString = true; current = ""
        case "{", "[": depth += 1; expectingKey = character == "{" && depth == 1
        case "}", "]": depth -= 1
        case ",": expectingKey = depth == 1
        default: break
        }
    }
    return keys
}

extension Dictionary where Key == String, Value == Any {
    /// A number field as Int64 (JSONSerialization hands numbers back as NSNumber).
    subscript(int key: String) -> Int64? { (self[key] as? NSNumber)?.int64Value }
}

/// Sends `count` requests at once, each free to use its own connection (the test client
/// has only one, which would serialize them). Answers each request's status and body.
func concurrently(
    _ count: Int,
    port: Int?,
    _ method: HTTPMethod,
    _ path: String,
    json: String? = nil,
    headers: [(String, String)] = []
) async throws -> [(status: Int, body: String)] {
    let port = try #require(port)
    var configuration = HTTPClient.Configuration()
    configuration.connectionPool = .init(idleTimeout: .seconds(5), concurrentHTTP1ConnectionsPerHostSoftLimit: count)
    let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    do {
        let answers = try await withThrowingTaskGroup(of: (status: Int, body: String).self) { group in
            for _ in 0..<count {
                group.addTask {
                    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
                    request.method = method
                    if let json {
                        request.headers.add(name: "Content-Type", value: "application/json")
                        request.body = .bytes(ByteBuffer(string: json))
                    }
                    request.headers.add(contentsOf: headers)
                    let response = try await http.execute(request, timeout: .seconds(30))
                    let body = try await response.body.collect(upTo: 1 << 20)
                    return (Int(response.status.code), String(buffer: body))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        try await http.shutdown()
        return answers
    } catch {
        try? await http.shutdown()
        throw error
    }
}
