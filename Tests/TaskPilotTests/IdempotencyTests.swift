import Foundation
import HTTPTypes
import HummingbirdTesting
import SQLiteDB
import TaskPilot
import Testing

/// `Idempotency-Key` on `POST /api/tasks`: a retried create answers the task it created.
@Suite struct IdempotencyTests {
    let folder = TemporaryFolder()
    static let key = HTTPField.Name("Idempotency-Key")!
    static let replayed = HTTPField.Name("Idempotent-Replayed")!

    func create(_ client: some TestClientProtocol, key: String, body: String = #"{"type":"demo","payload":"once"}"#) async throws -> TestResponse {
        try await client.send(.post, "/api/tasks", json: body, headers: [Self.key: key])
    }

    @Test func theSameKeyAndBodyAnswersTheOriginalTaskAndCreatesNothing() async throws {
        let path = folder.path("replay.sqlite")
        let first = try await withTaskPilot(testConfiguration(database: path)) { client in
            let first = try await create(client, key: "order-42")
            #expect(first.status == .created)
            #expect(first.headers[Self.replayed] == nil)
            let again = try await create(client, key: "order-42")
            #expect(again.status == .created)
            #expect(again.headers[Self.replayed] == "true")
            #expect(again.headers[.location] == first.headers[.location])
            #expect(again.text == first.text)
            let other = try await create(client, key: "order-43")
            #expect(other.object[int: "id"] != first.object[int: "id"], "another key is another task")
            #expect(try await client.pages("/api/tasks").count == 2)
            return first.text
        }
        try await withTaskPilot(testConfiguration(database: path)) { client in
            let afterRestart = try await create(client, key: "order-42")
            #expect(afterRestart.headers[Self.replayed] == "true", "keys survive a restart")
            #expect(afterRestart.text == first)
        }
    }

    @Test func theSameKeyWithAnotherBodyIs422() async throws {
        try await withTaskPilot(testConfiguration(database: folder.path("mismatch.sqlite"))) { client in
            _ = try await create(client, key: "k1")
            let mismatch = try await create(client, key: "k1", body: #"{"type":"demo","payload":"twice"}"#)
            #expect(mismatch.status == .unprocessableContent)
            #expect(mismatch.object["message"] as? String == #"Idempotency-Key "k1" was used with a different body (for task 1)"#)
            #expect(try await client.pages("/api/tasks").count == 1)
        }
    }

    @Test func concurrentRequestsWithOneKeyCreateOneTask() async throws {
        try await withTaskPilot(testConfiguration(database: folder.path("concurrent.sqlite"))) { client in
            let answers = try await concurrently(
                16, port: client.port, .POST, "/api/tasks", json: #"{"type":"demo","payload":"p"}"#, headers: [("Idempotency-Key", "same")]
            )
            #expect(answers.allSatisfy { $0.status == 201 })
            #expect(Set(answers.map(\.body)).count == 1, "every answer names the one task")
            #expect(try await client.pages("/api/tasks").count == 1)
        }
    }

    @Test(arguments: ["", String(repeating: "k", count: 256), "with space", "caf\u{e9}"])
    func malformedKeysAre400(key: String) async throws {
        try await withTaskPilot(testConfiguration(database: folder.path("bad.sqlite"))) { client in
            let response = try await create(client, key: key)
            #expect(response.status == .badRequest)
            #expect(response.object["message"] as? String == "Idempotency-Key must be one value of 1 to 255 visible ASCII characters")
            #expect(try await client.pages("/api/tasks").isEmpty)
        }
    }

    @Test func anExpiredKeyIsForgottenAndPruned() async throws {
        let path = folder.path("expired.sqlite")
        var configuration = testConfiguration(database: path)
        configuration.idempotencyTTLHours = 1
        try await withTaskPilot(configuration) { client in
            _ = try await create(client, key: "old")
        }
        _ = try await TestDatabase.rows(
            path, "UPDATE idempotency_keys SET created_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-61 minutes')",
            postgres: #"UPDATE idempotency_keys SET created_at = to_char((now() - interval '61 minutes') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"#
        )
        try await withTaskPilot(configuration) { client in
            let fresh = try await create(client, key: "old")
            #expect(fresh.headers[Self.replayed] == nil)
            #expect(fresh.object[int: "id"] == 2, "past the TTL the key creates anew")
        }
        #expect(try await TestDatabase.rows(path, "SELECT web_task_id FROM idempotency_keys") == [["2"]], "the expired key was pruned")
    }
}
