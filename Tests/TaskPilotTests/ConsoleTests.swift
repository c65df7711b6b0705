import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TaskPilot
import Testing

/// The web console's files as the server sends them, and the command log endpoint it reads.
@Suite struct ConsoleTests {
    let folder = TemporaryFolder()

    @Test func theConsoleIsServedWithItsSecurityHeaders() async throws {
        try await withTaskPilot(testConfiguration(database: folder.path("console.sqlite"))) { client in
            let page = try await client.send(.get, "/")
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.text.contains("<title>TaskPilot console</title>"))
            let policy = try #require(page.headers[.contentSecurityPolicy])
            #expect(policy.contains("default-src 'none'") && policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"))
            #expect(page.headers[.xContentTypeOptions] == "nosniff")
            #expect(page.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")

            // Every file the page and its modules name is served, with its type and the same headers.
            var names = Self.references(in: page.text, pattern: #"(?:src|href)="/console/([^"]+)""#)
            var checked: Set<String> = []
            while let name = names.popLast() {
                guard checked.insert(name).inserted else { continue }
                let file = try await client.send(.get, "/console/\(name)")
                #expect(file.status == .ok, "\(name)")
                #expect(file.headers[.contentSecurityPolicy] == policy)
                #expect(file.headers[.xContentTypeOptions] == "nosniff")
                #expect(file.headers[.contentType] == (name.hasSuffix(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8"))
                names += Self.references(in: file.text, pattern: #"from "\./([^"]+)""#)
                // Task fields are written as text: the scripts never assign HTML.
                #expect(!file.text.contains("innerHTML") && !file.text.contains("insertAdjacentHTML") && !file.text.contains("document.write"), "\(name)")
            }
            #expect(checked.isSuperset(of: ["console.css", "console.js", "api.js", "feed.js", "task-list.js", "task-detail.js"]))
        }
    }

    static func references(in text: String, pattern: String) -> [String] {
        let expression = try! NSRegularExpression(pattern: pattern)
        return expression.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { match in
            Range(match.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    @Test func unknownFilesAndOtherEmbeddedResourcesAre404AndValidatorsWork() async throws {
        try await withTaskPilot(testConfiguration(database: folder.path("files.sqlite"))) { client in
            for name in ["nope.js", "openapi.yaml", "0001_initial.sql", "index.htm"] {
                let response = try await client.send(.get, "/console/\(name)")
                #expect(response.status == .notFound, "\(name)")
                #expect(response.object["message"] as? String == "The console has no file \"\(name)\"")
            }
            let first = try await client.send(.get, "/console/console.js")
            let etag = try #require(first.headers[.eTag])
            let again = try await client.send(.get, "/console/console.js", headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified && again.body.readableBytes == 0)
            #expect(try await client.send(.get, "/console/console.js", headers: [.ifNoneMatch: "\"other\""]).status == .ok)
            let head = try await client.send(.head, "/")
            #expect(head.status == .ok && head.body.readableBytes == 0)
            let post = try await client.send(.post, "/")
            #expect(post.status == .methodNotAllowed && post.headers[.allow] == "GET, HEAD")
        }
    }

    @Test func theConsoleNeedsNoTokenButTheAPIStillDoes() async throws {
        var configuration = testConfiguration(database: folder.path("token.sqlite"))
        configuration.apiTokens = ["console-token"]
        try await withTaskPilot(configuration) { client in
            #expect(try await client.send(.get, "/").status == .ok)
            #expect(try await client.send(.get, "/console/api.js").status == .ok)
            for uri in ["/api/tasks", "/console/../api/tasks", "/console/%2E%2E/api/tasks", "/api/tasks/1/commands"] {
                let response = try await client.send(.get, uri)
                #expect(response.status == .unauthorized || response.status == .notFound, "\(uri)")
                #expect(response.object["items"] == nil, "\(uri)")
            }
        }
    }

    @Test func theCommandLogOfATaskNewestFirstPaged() async throws {
        try await withScheduler(fastReferenceScheduler()) { url, _ in
            try await withTaskPilot(testConfiguration(database: folder.path("commands.sqlite"), schedulerURL: url)) { client in
                let id = try await client.createTask()
                let empty = try await client.send(.get, "/api/tasks/\(id)/commands")
                #expect(empty.status == .ok && empty.text == #"{"items":[],"nextBefore":null}"#)
                let bound = try await client.send(.post, "/api/tasks/\(id)/scheduler", headers: [HTTPField.Name("X-Request-Id")!: "bind-request"])
                let dtpId = try #require(bound.object[int: "schedulerTaskId"])
                #expect(bound.object["bindingOrigin"] as? String == "CREATED")
                // Cancelled only once finished, so that the DTP refuses it (a cancel sent while the
                // task was still pending would succeed).
                #expect(try await eventually {
                    try await client.send(.get, "/api/tasks/\(id)/execution").object["status"] as? String == "SUCCEEDED"
                })
                #expect(try await client.send(.put, "/api/tasks/\(id)/execution/cancel").status == .conflict)

                let log = try await client.send(.get, "/api/tasks/\(id)/commands")
                #expect(log.status == .ok && log.headers[.contentType] == "application/json")
                let items = try #require(log.object["items"] as? [[String: Any]])
                #expect(items.count >= 2)
                #expect(items.map { $0["command"] as? String }.last == "CREATE")
                let create = try #require(items.last)
                #expect(log.text.contains(#""command":"CREATE","schedulerTaskId":\#(dtpId),"requestId":"bind-request","startedAt":""#))
                #expect(create[int: "schedulerTaskId"] == dtpId && create[int: "httpStatus"] == 201)
                #expect(create["requestId"] as? String == "bind-request")
                #expect(create["startedAt"] is String && create["finishedAt"] is String)
                let cancel = try #require(items.first)
                #expect(cancel["command"] as? String == "CANCEL" && cancel[int: "httpStatus"] == 409)
                #expect(cancel["message"] as? String == "Cannot cancel task in state SUCCEEDED")
                let ids = items.compactMap { $0[int: "id"] }
                #expect(ids == ids.sorted(by: >))

                let first = try await client.send(.get, "/api/tasks/\(id)/commands?limit=1")
                let page = try #require(first.object["items"] as? [[String: Any]])
                #expect(page.count == 1 && page[0][int: "id"] == ids[0] && first.object[int: "nextBefore"] == ids[0])
                let rest = try await client.send(.get, "/api/tasks/\(id)/commands?limit=500&before=\(ids[0])")
                #expect((rest.object["items"] as? [[String: Any]])?.compactMap { $0[int: "id"] } == Array(ids.dropFirst()))
                #expect(rest.object["nextBefore"] is NSNull)
            }
        }
    }

    @Test func theCommandLogRefusesWhatItCannotAnswer() async throws {
        try await withTaskPilot(testConfiguration(database: folder.path("refuse.sqlite"))) { client in
            let id = try await client.createTask()
            let missing = try await client.send(.get, "/api/tasks/\(id + 1)/commands")
            #expect(missing.status == .notFound && missing.object["message"] as? String == "Task \(id + 1) not found")
            for (query, message) in [
                ("limit=0", "limit must be an integer from 1 to 500"),
                ("limit=x", "limit must be an integer from 1 to 500"),
                ("before=0", "before must be a command id: a positive 64-bit integer in decimal"),
                ("after=3", "unknown query parameter \"after\"; known are limit, before"),
            ] {
                let response = try await client.send(.get, "/api/tasks/\(id)/commands?\(query)")
                #expect(response.status == .badRequest, "\(query)")
                #expect(response.object["message"] as? String == message, "\(query)")
            }
            #expect(try await client.send(.get, "/api/tasks/abc/commands").status == .badRequest)
            #expect(try await client.send(.post, "/api/tasks/\(id)/commands").status == .methodNotAllowed)
        }
    }
}
