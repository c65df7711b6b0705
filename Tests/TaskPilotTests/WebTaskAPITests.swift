import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TaskPilot
import Testing

@Suite struct WebTaskAPITests {
    let folder = TemporaryFolder()
    var configuration: TaskPilotConfiguration { testConfiguration(database: folder.path("api.sqlite")) }

    @Test func healthIsUp() async throws {
        try await withTaskPilot(configuration) { client in
            let response = try await client.send(.get, "/api/health")
            #expect(response.status == .ok)
            #expect(response.text == #"{"status":"UP"}"#)
            #expect(response.headers[.contentType] == "application/json")
        }
    }

    @Test(arguments: [Int64(1), 2, 63, 64, 1_000_000, Int64.max])
    func cursorsRoundTrip(id: Int64) {
        let cursor = PageCursor.encode(lastId: id)
        #expect(cursor.count == 11)
        #expect(cursor.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        #expect(PageCursor.decode(cursor) == id)
        #expect(PageCursor.decode(cursor + "A") == nil)
        #expect(PageCursor.decode(String(cursor.dropLast()) + "=") == nil)
    }

    @Test func createAnswers201WithLocationAndTheTask() async throws {
        try await withTaskPilot(configuration) { client in
            let response = try await client.send(.post, "/api/tasks", json: #"{"type":"demo","payload":"hello","extra":[1,{"x":2}]}"#)
            #expect(response.status == .created)
            let task = response.object
            let id = try #require(task[int: "id"])
            #expect(response.headers[.location] == "/api/tasks/\(id)")
            #expect(response.keyOrder == ["id", "type", "payload", "status", "schedulerTaskId", "bindingOrigin", "createdAt", "updatedAt", "execution"])
            #expect(task["execution"] is NSNull, "never bound, never observed")
            #expect(task["type"] as? String == "demo")
            #expect(task["payload"] as? String == "hello")
            #expect(task["status"] as? String == "PENDING")
            #expect(task["schedulerTaskId"] is NSNull)
            let createdAt = try #require(task["createdAt"] as? String)
            #expect(createdAt.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil)

            let fetched = try await client.send(.get, "/api/tasks/\(id)")
            #expect(fetched.status == .ok)
            #expect(fetched.text == response.text)
        }
    }

    @Test func payloadDefaultsToEmptyAndKeepsUnicodeAndSlashes() async throws {
        try await withTaskPilot(configuration) { client in
            let bare = try await client.send(.post, "/api/tasks", json: #"{"type":"demo"}"#)
            #expect(bare.object["payload"] as? String == "")
            let rich = try await client.send(.post, "/api/tasks", json: #"{"type":"dëmo/✓","payload":"a/b \"q\" \n\u0000end"}"#)
            guard !TestDatabase.isPostgres else {
                #expect(rich.status == .badRequest, "PostgreSQL's text cannot hold U+0000")
                #expect((rich.object["message"] as? String)?.contains("U+0000") == true)
                #expect(try await client.send(.get, "/api/tasks/2").status == .notFound, "and nothing was stored")
                return
            }
            #expect(rich.status == .created)
            #expect(rich.object["type"] as? String == "dëmo/✓")
            #expect(rich.object["payload"] as? String == "a/b \"q\" \n\u{0}end")
        }
    }

    @Test(arguments: [
        ("not json", "Request body is not valid JSON"),
        ("", "Request body must be a JSON object"),
        ("[1,2]", "Request body must be a JSON object, not an array"),
        (#"{"payload":"x"}"#, "type is required"),
        (#"{"type":null}"#, "type is required"),
        (#"{"type":"   "}"#, "type must not be blank"),
        (#"{"type":"\u3000\u00a0\u2028"}"#, "type must not be blank"),
        (#"{"type":"\u0000demo"}"#, "type must not contain control characters"),
        (#"{"type":"de\nmo"}"#, "type must not contain control characters"),
        (#"{"type":42}"#, "type must be a string, not a number"),
        (#"{"type":true}"#, "type must be a string, not a boolean"),
        (#"{"type":"demo","payload":{"a":1}}"#, "payload must be a string, not an object"),
        (#"{"type":"\#(String(repeating: "t", count: 129))"}"#, "type must be at most 128 characters"),
        (#"{"type":"demo","payload":"\#(String(repeating: "p", count: 256 * 1024 + 1))"}"#, "payload must be at most 262144 bytes"),
        (#"{"type":"demo","type":"other"}"#, #"Request body names "type" more than once"#),
        (#"{"type":"demo","payload":"a","payload":"a"}"#, #"Request body names "payload" more than once"#),
        (#"{"type":"demo","extra":{"k":1,"k":2}}"#, #"Request body names "k" more than once"#),
        (#"{"type":"demo"} x"#, "Request body is not valid JSON"),
        (#"{"type":"\ud800"}"#, "Request body is not valid JSON"),
        (String(repeating: "[", count: 100) + String(repeating: "]", count: 100), "Request body nests deeper than 64 levels"),
    ])
    func createRejectsBadBodies(body: String, message: String) async throws {
        try await withTaskPilot(configuration) { client in
            let response = try await client.send(.post, "/api/tasks", json: body)
            #expect(response.status == .badRequest)
            #expect(response.keyOrder == ["status", "error", "message", "path"])
            #expect(response.object["message"] as? String == message)
            #expect(response.object["error"] as? String == "Bad Request")
            #expect(response.object["path"] as? String == "/api/tasks")
            let list = try await client.send(.get, "/api/tasks")
            #expect(list.text == #"{"items":[],"nextCursor":null}"#, "a rejected create stores nothing")
        }
    }

    @Test func typeOfExactly128CharactersIsAccepted() async throws {
        try await withTaskPilot(configuration) { client in
            let type = String(repeating: "é", count: 128)
            let response = try await client.send(.post, "/api/tasks", json: #"{"type":"\#(type)"}"#)
            #expect(response.status == .created)
        }
    }

    @Test func bodyOverOneMebibyteAnswers413() async throws {
        try await withTaskPilot(configuration) { client in
            let huge = #"{"type":"demo","payload":""# + String(repeating: "x", count: 1 << 20) + #""}"#
            let response = try await client.send(.post, "/api/tasks", json: huge)
            #expect(response.status == .contentTooLarge)
            #expect(response.object["status"] as? Int == 413)
            let health = try await client.send(.get, "/api/health")
            #expect(health.status == .ok)
        }
    }

    @Test(arguments: ["abc", "0", "-1", "1.5", "99999999999999999999", "%20", "007", "+7", "01", "7%20", "0x7", "1_000"])
    func malformedIdsAnswer400(id: String) async throws {
        try await withTaskPilot(configuration) { client in
            for (method, uri) in [(HTTPRequest.Method.get, "/api/tasks/\(id)"), (.put, "/api/tasks/\(id)/cancel")] {
                let response = try await client.send(method, uri)
                #expect(response.status == .badRequest)
                #expect(response.object["message"] as? String == "id must be a positive 64-bit integer in decimal, without sign or leading zeros")
            }
        }
    }

    @Test func unknownIdsAnswer404() async throws {
        try await withTaskPilot(configuration) { client in
            for id in ["1", "9223372036854775807"] {
                let response = try await client.send(.get, "/api/tasks/\(id)")
                #expect(response.status == .notFound)
                #expect(response.object["message"] as? String == "Task \(id) not found")
                let cancel = try await client.send(.put, "/api/tasks/\(id)/cancel")
                #expect(cancel.status == .notFound)
            }
        }
    }

    @Test func unknownRouteIsAJSON404() async throws {
        try await withTaskPilot(configuration) { client in
            let response = try await client.send(.get, "/api/nothing-here")
            #expect(response.status == .notFound)
            #expect(response.object["path"] as? String == "/api/nothing-here")
        }
    }

    @Test func wrongMethodOnAKnownPathIs405WithAllow() async throws {
        try await withTaskPilot(configuration) { client in
            for (method, uri, allow) in [
                (HTTPRequest.Method.delete, "/api/tasks/1", "GET, HEAD"),
                (.put, "/api/tasks", "GET, HEAD, POST"),
                (.get, "/api/tasks/1/cancel", "PUT"),
                (.post, "/api/health", "GET, HEAD"),
                (.delete, "/api/tasks/1/execution/cancel", "PUT"),
                (.trace, "/api/health", "GET, HEAD"),
            ] {
                let response = try await client.send(method, uri)
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == allow)
                #expect(response.object["path"] as? String == uri)
            }
        }
    }

    @Test func cancelMovesPendingToCanceledOnce() async throws {
        try await withTaskPilot(configuration) { client in
            let id = try await client.createTask()
            let first = try await client.send(.put, "/api/tasks/\(id)/cancel")
            #expect(first.status == .ok)
            #expect(first.object["status"] as? String == "CANCELED")
            let second = try await client.send(.put, "/api/tasks/\(id)/cancel")
            #expect(second.status == .conflict)
            #expect(second.object["message"] as? String == "Task \(id) cannot be canceled in state CANCELED")
            let fetched = try await client.send(.get, "/api/tasks/\(id)")
            #expect(fetched.object["status"] as? String == "CANCELED")
        }
    }

    @Test func listPagesNewestFirstWithStatusFilter() async throws {
        try await withTaskPilot(configuration) { client in
            var ids: [Int64] = []
            for index in 0..<7 {
                ids.append(try await client.createTask(payload: "p\(index)"))
            }
            for id in [ids[1], ids[4], ids[5]] {
                _ = try await client.send(.put, "/api/tasks/\(id)/cancel")
            }

            #expect(try await client.pages("/api/tasks?limit=3") == ids.reversed())
            #expect(try await client.pages("/api/tasks?limit=2&status=CANCELED") == [ids[5], ids[4], ids[1]])
            #expect(try await client.pages("/api/tasks?status=PENDING&limit=1") == [ids[6], ids[3], ids[2], ids[0]])
            #expect(try await client.pages("/api/tasks?bound=true") == [])
            #expect(try await client.pages("/api/tasks?bound=false&limit=500") == ids.reversed())

            let firstPage = try await client.send(.get, "/api/tasks")
            #expect((firstPage.object["items"] as? [Any])?.count == 7)
            #expect(firstPage.object["nextCursor"] is NSNull)
        }
    }

    @Test(arguments: [
        ("status=DONE", "status must be one of PENDING, CANCELED"),
        ("bound=yes", "bound must be true or false"),
        ("limit=0", "limit must be an integer from 1 to 500"),
        ("limit=501", "limit must be an integer from 1 to 500"),
        ("limit=ten", "limit must be an integer from 1 to 500"),
        ("cursor=not-a-cursor", "cursor is not valid"),
        ("cursor=djE6LTU", "cursor is not valid"),
        ("cursor=", "cursor is not valid"),
        ("colour=red", #"unknown query parameter "colour"; known are status, bound, executionStatus, type, limit, cursor"#),
    ])
    func listRejectsBadParameters(query: String, message: String) async throws {
        try await withTaskPilot(configuration) { client in
            let response = try await client.send(.get, "/api/tasks?\(query)")
            #expect(response.status == .badRequest)
            #expect(response.object["message"] as? String == message)
        }
    }
}

extension TestClientProtocol {
    /// Follows `nextCursor` from `uri` to the last page and answers every id seen, in order.
    func pages(_ uri: String) async throws -> [Int64] {
        var ids: [Int64] = []
        var cursor: String?
        repeat {
            let page = try await send(.get, cursor.map { "\(uri)&cursor=\($0)" } ?? uri)
            #expect(page.status == .ok)
            let items = try #require(page.object["items"] as? [[String: Any]])
            ids += items.compactMap { $0[int: "id"] }
            cursor = page.object["nextCursor"] as? String
            #expect(ids.count < 1000, "pagination must end")
        } while cursor != nil && ids.count < 1000
        return ids
    }
}
