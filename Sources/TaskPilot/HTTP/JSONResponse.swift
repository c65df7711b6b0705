import Hummingbird
import OrderedJSON

/// Responses carrying JSON that TaskPilot wrote itself.
enum JSONResponse {
    static func make(_ json: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: json)))
    }

    /// TaskPilot's own error body: `{"status":409,"error":"Conflict","message":"…","path":"/api/…"}`.
    static func error(_ status: HTTPResponse.Status, message: String, path: String, headers: HTTPFields = [:]) -> Response {
        var object = JSONObject()
        object.add("status", status.code)
        object.add("error", status.reasonPhrase)
        object.add("message", message)
        object.add("path", path)
        return make(object.json, status: status, headers: headers)
    }
}
