import Hummingbird
import OrderedJSON

/// Responses carrying JSON that TaskPilot wrote itself.
enum JSONResponse {
    static func make(_ json: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: json)))
    }

    /// `make` for JSON already in UTF-8.
    static func make(utf8 json: [UInt8]) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: json)))
    }

    /// TaskPilot's own error body: `{"status":409,"error":"Conflict","message":"…","path":"/api/…"}`,
    /// followed by `extra` fields (each value already JSON) where an error has more to say.
    static func error(
        _ status: HTTPResponse.Status, message: String, path: String, headers: HTTPFields = [:], extra: KeyValuePairs<String, String> = [:]
    ) -> Response {
        var object = JSONObject()
        object.add("status", status.code)
        object.add("error", status.reasonPhrase)
        object.add("message", message)
        object.add("path", path)
        for (key, json) in extra {
            object.addRaw(key, json)
        }
        return make(object.json, status: status, headers: headers)
    }
}
