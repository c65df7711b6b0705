@testable import TaskPilot
import Testing

/// A listed task's kept JSON is used only for the very task it was written from.
@Suite struct WebTaskJSONCacheTests {
    func task(_ id: Int64, payload: String = "p") -> WebTask {
        WebTask(
            id: id, type: "demo", payload: payload, status: .pending, schedulerTaskId: id,
            createdAt: "2026-11-27T10:00:00.000Z", updatedAt: "2026-11-27T10:00:00.000Z",
            execution: ExecutionObservation(status: "PENDING", observedAt: "2026-11-27T10:00:00.001Z"), bindingOrigin: .created
        )
    }

    @Test func aChangedTaskIsWrittenAgainAndAnUnchangedOneIsNot() {
        let cache = WebTaskJSONCache()
        var listed = task(1)
        #expect(String(decoding: cache.utf8(of: listed), as: UTF8.self) == listed.json)
        let kept = cache.keptBytes
        #expect(kept > 0)
        #expect(String(decoding: cache.utf8(of: listed), as: UTF8.self) == listed.json)
        #expect(cache.keptBytes == kept, "the same task again: the kept JSON")

        listed.execution?.status = "SUCCEEDED"
        #expect(String(decoding: cache.utf8(of: listed), as: UTF8.self) == listed.json, "a new observation shows")
        listed.status = .canceled
        listed.updatedAt = "2026-11-27T10:00:01.000Z"
        #expect(String(decoding: cache.utf8(of: listed), as: UTF8.self).contains(#""status":"CANCELED""#))
        #expect(cache.keptBytes == 2 * listed.utf8.count, "one entry for the task, replaced")
    }

    @Test func whatItKeepsStaysWithinItsBound() {
        let cache = WebTaskJSONCache(maxBytes: 64 * 1024)
        for id in 1...2_000 {
            let listed = task(Int64(id), payload: String(repeating: "x", count: id % 700))
            #expect(String(decoding: cache.utf8(of: listed), as: UTF8.self) == listed.json)
            #expect(cache.keptBytes <= 64 * 1024)
        }
        let large = task(9, payload: String(repeating: "y", count: 4_096))
        let before = cache.keptBytes
        #expect(String(decoding: cache.utf8(of: large), as: UTF8.self) == large.json)
        #expect(cache.keptBytes == before, "a task larger than a 64th of the bound is not kept")
    }
}
