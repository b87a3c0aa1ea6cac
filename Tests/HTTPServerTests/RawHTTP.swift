import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One HTTP/1.1 request written byte for byte on a fresh TCP connection, for what URLSession will not send: another
/// `Host`, no `Content-Type`, a body shorter than its `Content-Length`.
enum RawHTTP {
    struct BadReply: Error, CustomStringConvertible {
        let request: String
        let reply: String
        var description: String { "no HTTP status line in the answer to \(request.debugDescription): \(reply.debugDescription)" }
    }

    /// Sends `head` (request line and headers, CRLF-separated, without the blank line) and `body`; with `halfClose` the
    /// write side is shut after the body, as a client that sends less than it announced. Returns the status code.
    static func status(port: Int, head: String, body: String = "", halfClose: Bool = false) async throws -> Int {
        // Blocking socket calls stay off Swift's cooperative pool, which the in-process server needs to answer.
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try blockingStatus(port: port, head: head, body: body, halfClose: halfClose) })
            }
        }
    }

    private static func blockingStatus(port: Int, head: String, body: String, halfClose: Bool) throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        let bytes = Array((head + "\r\nConnection: close\r\n\r\n" + body).utf8)
        guard bytes.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == bytes.count else { throw POSIXError(.EIO) }
        if halfClose { shutdown(fd, Int32(SHUT_WR)) }
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw BadReply(request: head, reply: "recv failed: errno \(errno)") }
            if n == 0 { break }
            reply += buffer[0..<n]
        }
        // "HTTP/1.1 403 Forbidden"
        let line = String(decoding: reply.prefix { $0 != 13 }, as: UTF8.self).split(separator: " ")
        guard line.count >= 2, let code = Int(line[1]) else { throw BadReply(request: head, reply: String(decoding: reply.prefix(200), as: UTF8.self)) }
        return code
    }
}

extension LiveServer {
    var port: Int { Int(baseURL.split(separator: ":").last ?? "") ?? 0 }
}
