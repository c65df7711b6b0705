import NIOConcurrencyHelpers

/// The last answer's fingerprint per web task, in a fixed number of slots: a task that lost its
/// slot to another is parsed and written again, which costs time but never a wrong answer.
final class FingerprintCache: Sendable {
    private struct Slot {
        var webTaskId: Int64 = 0
        var fingerprint = 0
    }

    private let slots: NIOLockedValueBox<[Slot]>
    private let mask: Int

    init(slots count: Int) {
        let size = max(1, count).nextPowerOfTwo
        slots = NIOLockedValueBox(Array(repeating: Slot(), count: size))
        mask = size - 1
    }

    /// Stores `fingerprint` for `webTaskId`; answers whether it differs from the one stored.
    func update(_ webTaskId: Int64, _ fingerprint: Int) -> Bool {
        let index = Int(truncatingIfNeeded: webTaskId) & mask
        return slots.withLockedValue { slots in
            if slots[index].webTaskId == webTaskId, slots[index].fingerprint == fingerprint { return false }
            slots[index] = Slot(webTaskId: webTaskId, fingerprint: fingerprint)
            return true
        }
    }

    func forget(_ webTaskIds: [Int64]) {
        slots.withLockedValue { slots in
            for id in webTaskIds {
                let index = Int(truncatingIfNeeded: id) & mask
                if slots[index].webTaskId == id { slots[index] = Slot() }
            }
        }
    }
}

extension Int {
    fileprivate var nextPowerOfTwo: Int {
        var size = 1
        while size < self { size <<= 1 }
        return size
    }
}
