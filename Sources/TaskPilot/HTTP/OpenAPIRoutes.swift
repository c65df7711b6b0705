import Hummingbird

/// `GET /api/openapi.yaml`: the API document, as compiled in from `openapi.yaml`.
struct OpenAPIRoutes<Context: RequestContext>: Sendable {
    static var document: String {
        embeddedResources.first { $0.name == "openapi.yaml" }?.text ?? ""
    }

    func add(to group: RouterGroup<Context>) {
        group.get("openapi.yaml") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/yaml"],
                body: .init(byteBuffer: ByteBuffer(string: Self.document))
            )
        }
    }
}
