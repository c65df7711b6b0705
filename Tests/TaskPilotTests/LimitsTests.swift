import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TaskPilot
import Testing

/// Every limit is configurable and holds.
@Suite struct LimitsTests {
    let folder = TemporaryFolder()

    func configuration(_ change: (inout TaskPilotConfiguration) -> Void) -> TaskPilotConfiguration {
        var configuration = testConfiguration(database: folder.path("limits.sqlite"))
        change(&configuration)
        return configuration
    }

    @Test func bodyLimitIsConfigurable() async throws {
        try await withTaskPilot(configuration { $0.maxBodyBytes = 2048 }) { client in
            let small = try await client.send(.post, "/api/tasks", json: #"{"type":"demo","payload":"\#(String(repeating: "x", count: 1500))"}"#)
            #expect(small.status == .created)
            let large = try await client.send(.post, "/api/tasks", json: #"{"type":"demo","payload":"\#(String(repeating: "x", count: 3000))"}"#)
            #expect(large.status == .contentTooLarge)
            #expect(large.object["message"] as? String == "Request body is larger than 2048 bytes")
            let bind = try await client.send(.post, "/api/tasks/1/scheduler", json: String(repeating: " ", count: 3000))
            #expect(bind.status == .contentTooLarge)
        }
    }

    @Test func pageSizeLimitIsConfigurable() async throws {
        try await withTaskPilot(configuration { $0.maxPageSize = 3 }) { client in
            #expect(try await client.send(.get, "/api/tasks?limit=3").status == .ok)
            let response = try await client.send(.get, "/api/tasks?limit=4")
            #expect(response.status == .badRequest)
            #expect(response.object["message"] as? String == "limit must be an integer from 1 to 3")
        }
    }

    @Test func headerLimitIsConfigurable() async throws {
        try await withTaskPilot(configuration { $0.maxHeaderBytes = 2048 }) { client in
            let port = try #require(client.port)
            let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
            var small = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/health")
            small.headers.add(name: "X-Padding", value: String(repeating: "a", count: 1000))
            #expect(try await http.execute(small, timeout: .seconds(5)).status == .ok)
            var large = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/health")
            large.headers.add(name: "X-Padding", value: String(repeating: "a", count: 4000))
            let response = try await http.execute(large, timeout: .seconds(5))
            #expect(response.status == .badRequest)
            #expect(response.headers.first(name: "Connection") == "close")
            try await http.shutdown()
        }
    }

    @Test func stalledConnectionsAreClosedAfterTheReadTimeout() async throws {
        try await withTaskPilot(configuration { $0.readTimeoutMilliseconds = 300 }) { client in
            let port = try #require(client.port)
            let started = ContinuousClock.now
            // Half a request head, then silence.
            let received = try await Task.detached {
                let socket = try RawSocket(port: port)
                socket.send("GET /api/health HTTP/1.1\r\nHost: x\r\n")
                return socket.readUntilClosed(timeout: .seconds(5))
            }.value
            let elapsed = ContinuousClock.now - started
            #expect(received == "", "the server closed the connection without answering")
            #expect(elapsed >= .milliseconds(250) && elapsed < .seconds(4))
        }
    }

    @Test func limitsAreValidated() async throws {
        for (key, value) in [("http.maxBodyBytes", "10"), ("http.maxPageSize", "0"), ("http.readTimeoutMs", "5"), ("scheduler.maxResponseBytes", "nope")] {
            let error = await #expect(throws: ConfigurationError.self) {
                _ = try await ConfigurationLoader.load(flags: [key: value], environment: [:], configFile: nil)
            }
            #expect(error?.key == key)
        }
        let loaded = try await ConfigurationLoader.load(
            flags: ["http.maxPageSize": "100"],
            environment: ["TASKPILOT_MAX_BODY_BYTES": "4096", "TASKPILOT_READ_TIMEOUT_MS": "1000", "TASKPILOT_SCHEDULER_MAX_RESPONSE_BYTES": "2048"],
            configFile: nil
        )
        #expect(loaded.maxPageSize == 100)
        #expect(loaded.maxBodyBytes == 4096)
        #expect(loaded.readTimeoutMilliseconds == 1000)
        #expect(loaded.schedulerMaxResponseBytes == 2048)
    }
}
