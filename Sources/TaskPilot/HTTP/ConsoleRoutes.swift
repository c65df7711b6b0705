import HTTPTypes
import Hummingbird

/// `GET /` and `GET /console/{file}`: the web console, compiled in from `Console/` like the
/// migrations. Its files hold no data; the data comes from the API, with the API's auth.
struct ConsoleRoutes<Context: RequestContext>: Sendable {
    func add(to router: Router<Context>) {
        router.get("/") { request, _ in
            try Self.answer(request, file: "index.html")
        }
        router.get("console/:file") { request, context in
            try Self.answer(request, file: context.parameters.get("file") ?? "")
        }
    }

    static func answer(_ request: Request, file: String) throws(TaskPilotError) -> Response {
        guard let asset = ConsoleAsset.all[file] else {
            throw .notFound("The console has no file \"\(file)\"")
        }
        var headers = ConsoleAsset.securityHeaders
        headers[.contentType] = asset.contentType
        headers[.eTag] = asset.etag
        // Revalidated on every load, so a new binary's console is never mixed with an old one's.
        headers[.cacheControl] = "no-cache"
        if request.headers[values: .ifNoneMatch].contains(asset.etag) {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: asset.body))
    }
}

/// One file of the console, ready to send.
struct ConsoleAsset: Sendable {
    /// The console's page, scripts and style sheet by file name.
    static let all: [String: ConsoleAsset] = Dictionary(uniqueKeysWithValues: embeddedResources.compactMap { file in
        ConsoleAsset(name: file.name, text: file.text).map { (file.name, $0) }
    })

    /// No inline script or style, nothing from another origin, no framing, no referrer.
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
            + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        .xContentTypeOptions: "nosniff",
        .referrerPolicy: "no-referrer",
    ]

    let body: ByteBuffer
    let contentType: String
    /// A strong validator: FNV-1a of the bytes.
    let etag: String

    /// Nil for an embedded file that is not the console's (migrations, the API document).
    init?(name: String, text: String) {
        let types = ["html": "text/html; charset=utf-8", "css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8"]
        guard let suffix = name.split(separator: ".").last, name.contains("."), let type = types[String(suffix)] else { return nil }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        body = ByteBuffer(string: text)
        contentType = type
        etag = "\"\(String(hash, radix: 16))\""
    }
}

extension HTTPField.Name {
    static let referrerPolicy = Self("Referrer-Policy")!
}
