import Foundation
import Hummingbird
import NIOCore

/// JSON responses. Vectors are written by hand: `JSONEncoder` would box every float, and a batch of
/// 500 × 1024 floats is the common case, not the exception.
enum Responses {
    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func json<T: Encodable>(encoding value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return json(String(decoding: try encoder.encode(value), as: UTF8.self), status: status)
    }

    /// `[[...],[...]]`: each vector as ``floatArray(_:into:)`` writes it (TEI's `/embed`, Ollama's `embeddings`).
    static func floatArrays(_ vectors: [[Float]], into out: inout String) {
        out += "["
        for (i, v) in vectors.enumerated() {
            if i > 0 { out += "," }
            floatArray(v, into: &out)
        }
        out += "]"
    }

    /// `[0.1,-0.2,...]`; Swift prints the shortest text that reads back as the same Float.
    static func floatArray(_ v: [Float], into out: inout String) {
        out += "["
        for (i, x) in v.enumerated() {
            if i > 0 { out += "," }
            out += x.isFinite ? x.description : "0"
        }
        out += "]"
    }

    /// Little-endian f32 bytes in base64, OpenAI's `encoding_format: "base64"`.
    static func base64(_ v: [Float]) -> String {
        var bytes = [UInt8](repeating: 0, count: v.count * 4)
        for (i, x) in v.enumerated() {
            let bits = x.bitPattern.littleEndian
            bytes[4 * i] = UInt8(truncatingIfNeeded: bits)
            bytes[4 * i + 1] = UInt8(truncatingIfNeeded: bits >> 8)
            bytes[4 * i + 2] = UInt8(truncatingIfNeeded: bits >> 16)
            bytes[4 * i + 3] = UInt8(truncatingIfNeeded: bits >> 24)
        }
        return Data(bytes).base64EncodedString()
    }

    /// A JSON string literal with quotes.
    static func string(_ s: String) -> String {
        let data = (try? JSONEncoder().encode(s)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// Reads and decodes a JSON body within the size limit; every failure is an `APIError`.
struct BodyReader: Sendable {
    let maxBytes: Int

    /// The whole body, refused with 413 past the limit.
    func bytes(of request: Request) async throws -> Data {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maxBytes {
            throw APIError.tooLarge(limit: maxBytes)
        }
        var request = request
        do {
            return Data(try await request.collectBody(upTo: maxBytes).readableBytesView)
        } catch is NIOTooManyBytesError {
            // A chunked body that grows past the limit.
            throw APIError.tooLarge(limit: maxBytes)
        } catch {
            // The body ended before its Content-Length (the client half-closed): the request is malformed, not large.
            throw APIError.invalidRequest(
                "the body ended before the \(request.headers[.contentLength] ?? "declared") bytes its Content-Length announced",
                code: "incomplete_body")
        }
    }

    /// A JSON route's body: refused with 415 unless it is declared `application/json` (or another `+json` type), since
    /// a cross-site page can send `text/plain` and form bodies without asking the server first (no CORS preflight).
    func json<T: Decodable>(_ type: T.Type, from request: Request, decoder: JSONDecoder = JSONDecoder()) async throws -> T {
        try Self.requireJSON(request)
        return try decode(type, from: try await bytes(of: request), decoder: decoder)
    }

    /// 415 unless the request's `Content-Type` is JSON.
    static func requireJSON(_ request: Request) throws {
        let type = (request.headers[.contentType] ?? "").split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        } ?? ""
        guard type == "application/json" || (type.hasPrefix("application/") && type.hasSuffix("+json")) else {
            throw APIError(
                status: .unsupportedMediaType,
                message: "this route takes a JSON body: send it with Content-Type: application/json"
                    + (type.isEmpty ? " (the request had none)" : " (the request said \(type))"),
                type: "invalid_request_error", code: "unsupported_media_type")
        }
    }

    func decode<T: Decodable>(_ type: T.Type, from data: Data, decoder: JSONDecoder = JSONDecoder()) throws -> T {
        do {
            return try decoder.decode(T.self, from: data)
        } catch let error as DecodingError {
            throw APIError.invalidRequest(Self.describe(error), param: Self.field(error), code: "invalid_json")
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.invalidRequest("the body is not valid JSON", code: "invalid_json")
        }
    }

    static func field(_ error: DecodingError) -> String? {
        let path: [any CodingKey]
        switch error {
        case let .keyNotFound(key, context): path = context.codingPath + [key]
        case let .typeMismatch(_, context), let .valueNotFound(_, context), let .dataCorrupted(context): path = context.codingPath
        @unknown default: return nil
        }
        let text = path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return text.isEmpty ? nil : String(text.drop { $0 == "." })
    }

    /// Says which field was wrong and what was expected, without echoing the decoder's internals.
    static func describe(_ error: DecodingError) -> String {
        let where_ = field(error).map { " at \($0)" } ?? ""
        switch error {
        case let .keyNotFound(key, _): return "the required field \"\(key.stringValue)\" is missing"
        case let .typeMismatch(type, context):
            return "wrong type\(where_): expected \(context.debugDescription.hasPrefix("expected ") ? String(context.debugDescription.dropFirst(9)) : "\(type)")"
        case .valueNotFound: return "a value is null\(where_) where one is required"
        case let .dataCorrupted(context):
            return context.codingPath.isEmpty ? "the body is not valid JSON" : "invalid value\(where_): \(context.debugDescription)"
        @unknown default: return "the body does not match this route's request shape"
        }
    }
}
