import Hummingbird

/// The knowledge base's web page: `/`, `/app.js`, `/app.css`, compiled into the binary (see PageAssets).
extension Routes {
    func addPage(to router: Router<Context>) {
        for (path, file) in PageAssets.files {
            router.get(RouterPath(path)) { _, _ in
                Response(
                    status: .ok,
                    headers: [
                        .contentType: file.contentType, .cacheControl: "no-cache",
                        // Only this origin's scripts and styles run: no inline script, nothing from elsewhere.
                        .contentSecurityPolicy: "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                            + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
                        .init("X-Content-Type-Options")!: "nosniff",
                    ],
                    body: .init(byteBuffer: ByteBuffer(string: file.body)))
            }
        }
    }
}
