import OrderedJSON

/// What `GET /api/tasks` asks for: filters, page size and where the page starts.
public struct WebTaskQuery: Sendable, Equatable {
    public var status: WebTaskStatus?
    public var bound: Bool?
    /// Observed DTP statuses to keep; `NONE` stands for tasks never observed.
    public var executionStatuses: [String]?
    public var type: String?
    public var limit: Int
    /// Only tasks with a smaller id (older) than this; nil for the first page.
    public var beforeId: Int64?

    public static let defaultLimit = 50

    public init(
        status: WebTaskStatus? = nil, bound: Bool? = nil, executionStatuses: [String]? = nil, type: String? = nil,
        limit: Int = defaultLimit, beforeId: Int64? = nil
    ) {
        self.status = status
        self.bound = bound
        self.executionStatuses = executionStatuses
        self.type = type
        self.limit = limit
        self.beforeId = beforeId
    }
}

/// One page of web tasks, newest first.
public struct WebTaskPage: Sendable, Equatable {
    public var items: [WebTask]
    public var nextCursor: String?

    public var json: String {
        String(decoding: utf8(tasks: \.utf8), as: UTF8.self)
    }

    /// The page as the body sends it, each task's JSON from `tasks` (which may keep it).
    public func utf8(tasks: (WebTask) -> [UInt8]) -> [UInt8] {
        // About 400 bytes a task with its execution.
        var object = JSONObject(capacity: 64 + items.count * 448)
        object.addRawElements("items", items, tasks)
        object.add("nextCursor", nextCursor)
        return object.utf8
    }
}

/// The opaque `cursor` of the list endpoint: the last id of a page as 8 big-endian bytes in
/// unpadded base64url, 11 characters. Every 11-character base64url string decodes to some
/// position, so a cursor is either well-formed (and a place in the list) or a 400.
public enum PageCursor {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    private static let length = 11

    public static func encode(lastId: Int64) -> String {
        let bits = UInt64(bitPattern: lastId)
        // 64 bits in 11 six-bit digits: the last digit carries the final 4 bits and 2 zeros.
        let characters = (0..<length).map { index -> UInt8 in
            let shift = 58 - 6 * index
            let digit = shift >= 0 ? (bits >> UInt64(shift)) & 0x3F : (bits << UInt64(-shift)) & 0x3F
            return alphabet[Int(digit)]
        }
        return String(decoding: characters, as: UTF8.self)
    }

    /// The id a cursor stands for, or nil when it is not 11 base64url characters.
    public static func decode(_ cursor: String) -> Int64? {
        let characters = Array(cursor.utf8)
        guard characters.count == length else { return nil }
        var bits: UInt64 = 0
        for (index, character) in characters.enumerated() {
            guard let digit = alphabet.firstIndex(of: character) else { return nil }
            let shift = 58 - 6 * index
            bits |= shift >= 0 ? UInt64(digit) << UInt64(shift) : UInt64(digit) >> UInt64(-shift)
        }
        return Int64(bitPattern: bits)
    }
}
