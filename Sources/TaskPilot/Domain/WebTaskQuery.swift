import Foundation
import OrderedJSON

/// What `GET /api/tasks` asks for: filters, page size and where the page starts.
public struct WebTaskQuery: Sendable, Equatable {
    public var status: WebTaskStatus?
    public var bound: Bool?
    public var limit: Int
    /// Only tasks with a smaller id (older) than this; nil for the first page.
    public var beforeId: Int64?

    public static let defaultLimit = 50
    public static let maxLimit = 500

    public init(status: WebTaskStatus? = nil, bound: Bool? = nil, limit: Int = defaultLimit, beforeId: Int64? = nil) {
        self.status = status
        self.bound = bound
        self.limit = limit
        self.beforeId = beforeId
    }
}

/// One page of web tasks, newest first.
public struct WebTaskPage: Sendable, Equatable {
    public var items: [WebTask]
    public var nextCursor: String?

    public var json: String {
        var object = JSONObject()
        object.addRaw("items", JSONObject.array(items.map(\.json)))
        object.add("nextCursor", nextCursor)
        return object.json
    }
}

/// The opaque `cursor` of the list endpoint: the last id of a page, versioned and
/// base64url-encoded so that clients treat it as a token rather than a number to edit.
public enum PageCursor {
    public static func encode(lastId: Int64) -> String {
        Data("v1:\(lastId)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The id a cursor stands for, or nil when it is not one this server made.
    public static func decode(_ cursor: String) -> Int64? {
        var base64 = cursor
            .replacingOccurrences(of: "-", with: "+")
            .replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64),
              let text = String(data: data, encoding: .utf8),
              text.hasPrefix("v1:"),
              let id = Int64(text.dropFirst(3)), id > 0
        else { return nil }
        return id
    }
}
