import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TaskPilot
import Testing

/// HTTP as RFC 9110 and 9112 say, and bodies with one meaning.
@Suite struct HTTPSemanticsTests {
    let folder = TemporaryFolder()
    var configuration: TaskPilotConfiguration { testConfiguration(database: folder.path("http.sqlite")) }

    @Test func headOnEveryGetRouteAnswersLikeGetWithoutTheBody() async throws {
        try await withTaskPilot(configuration) { client in
            let id = try await client.createTask()
            for uri in ["/api/health", "/api/tasks", "/api/tasks/\(id)", "/api/tasks/999", "/api/openapi.yaml", "/api/tasks/\(id)/execution"] {
                let get = try await client.send(.get, uri)
                let head = try await client.send(.head, uri)
                #expect(head.status == get.status, "\(uri)")
                #expect(head.headers[.contentType] == get.headers[.contentType], "\(uri)")
                #expect(head.headers[.contentLength] == String(get.body.readableBytes), "\(uri)")
                #expect(head.body.readableBytes == 0, "\(uri)")
            }
        }
    }

    @Test func http10WithoutKeepAliveIsAnsweredAndClosedAtOnce() async throws {
        try await withTaskPilot(configuration) { client in
            let socket = try RawSocket(port: try #require(client.port))
            socket.send("GET /api/health HTTP/1.0\r\nHost: localhost\r\n\r\n")
            let answer = try #require(socket.readUntilClosed(timeout: .seconds(2)), "closed well before the read timeout")
            #expect(answer.hasPrefix("HTTP/1.0 200") || answer.hasPrefix("HTTP/1.1 200"))
            #expect(answer.hasSuffix(#"{"status":"UP"}"#))

            let keepAlive = try RawSocket(port: try #require(client.port))
            keepAlive.send("GET /api/health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(keepAlive.readUntilClosed(timeout: .milliseconds(500)) == nil, "HTTP/1.0 keep-alive stays open")
        }
    }

    /// A client gone mid-body is no error of TaskPilot's; the line that says so (at debug)
    /// carries the request's id, as every line logged about a request does.
    @Test func aClientThatLeavesMidBodyIsNotAnError() async throws {
        let log = CapturedLog()
        try await TestDatabase.create(for: configuration)
        let application = try await buildApplication(configuration, logger: log.logger(level: .debug))
        try await application.test(.live) { client in
            do {
                let socket = try RawSocket(port: try #require(client.port))
                socket.send("POST /api/tasks HTTP/1.1\r\nHost: x\r\nX-Request-Id: cut-1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"type\":")
            }
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await client.send(.get, "/api/tasks").text == #"{"items":[],"nextCursor":null}"#)
            #expect(try await eventually(timeout: .seconds(5)) { log.all.contains { $0.message == "request body cut off" } })
        }
        #expect(log.all.filter { $0.message.contains("unhandled") }.isEmpty, "\(log.all.map(\.text))")
        let line = try #require(log.all.first { $0.message == "request body cut off" })
        #expect(line.metadata["request.id"] == "cut-1", "\(line.metadata)")
        #expect(line.metadata["path"] == "/api/tasks")
    }

    @Test(arguments: ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonx", "json"])
    func bodiesThatAreNotJSONAre415(contentType: String) async throws {
        try await withTaskPilot(configuration) { client in
            let id = try await client.createTask()
            for (method, uri) in [(HTTPRequest.Method.post, "/api/tasks"), (.post, "/api/tasks/\(id)/scheduler"), (.put, "/api/tasks/\(id)/cancel")] {
                let response = try await client.execute(
                    uri: uri, method: method, headers: [.contentType: contentType], body: ByteBuffer(string: #"{"type":"demo"}"#)
                )
                #expect(response.status == .unsupportedMediaType, "\(method) \(uri)")
                #expect(response.object["message"] as? String == "Content-Type must be application/json, not \(contentType)")
            }
            #expect(try await client.pages("/api/tasks").count == 1, "nothing was created")
            #expect(try await client.send(.get, "/api/tasks/\(id)").object["status"] as? String == "PENDING", "nothing was cancelled")
        }
    }

    @Test func aBodyWithoutContentTypeIs415ButNoBodyNeedsNone() async throws {
        try await withTaskPilot(configuration) { client in
            let bare = try await client.execute(uri: "/api/tasks", method: .post, headers: [:], body: ByteBuffer(string: #"{"type":"demo"}"#))
            #expect(bare.status == .unsupportedMediaType)
            #expect(bare.object["message"] as? String == "A request body needs Content-Type: application/json")
            for contentType in ["application/json", "application/json; charset=utf-8", "Application/JSON", "application/vnd.taskpilot+json"] {
                let response = try await client.execute(uri: "/api/tasks", method: .post, headers: [.contentType: contentType], body: ByteBuffer(string: #"{"type":"demo"}"#))
                #expect(response.status == .created, "\(contentType)")
            }
            let id = try await client.createTask()
            #expect(try await client.execute(uri: "/api/tasks/\(id)/cancel", method: .put, headers: [:], body: nil).status == .ok)
        }
    }

    @Test(arguments: [#"{"schedulerTaskId":1e2}"#, #"{"schedulerTaskId":5.0}"#, #"{"schedulerTaskId":1E0}"#, #"{"schedulerTaskId":-0}"#])
    func schedulerTaskIdMustBeAJSONInteger(body: String) async throws {
        let fake = FakeScheduler()
        try await withScheduler(fake.application()) { url, _ in
            try await withTaskPilot(testConfiguration(database: folder.path("integer.sqlite"), schedulerURL: url)) { client in
                let id = try await client.createTask()
                let response = try await client.send(.post, "/api/tasks/\(id)/scheduler", json: body)
                #expect(response.status == .badRequest)
                #expect(response.object["message"] as? String == "schedulerTaskId must be a positive 64-bit integer")
                #expect(fake.requests == 0, "the DTP was not called")
            }
        }
    }

    @Test func aDuplicateKeyInABindBodyIs400() async throws {
        try await withTaskPilot(configuration) { client in
            let id = try await client.createTask()
            let response = try await client.send(.post, "/api/tasks/\(id)/scheduler", json: #"{"schedulerTaskId":1,"schedulerTaskId":2}"#)
            #expect(response.status == .badRequest)
            #expect(response.object["message"] as? String == #"Request body names "schedulerTaskId" more than once"#)
        }
    }
}
