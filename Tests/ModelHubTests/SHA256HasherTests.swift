import Foundation
import ContentHashing
import Testing

@Suite("Streaming SHA-256")
struct SHA256HasherTests {
    private func hex(_ pieces: [[UInt8]]) -> String {
        var hasher = SHA256Hasher()
        for piece in pieces { hasher.update(piece) }
        return hasher.hexDigest()
    }

    @Test("FIPS 180-4 test vectors")
    func vectors() {
        // FIPS 180-4 / NIST CSRC example values.
        #expect(hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex([Array("abc".utf8)]) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex([Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)])
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("Feeding in uneven pieces gives the digest of the whole, as sha256sum computes it")
    func pieces() throws {
        // A million 'a' (the FIPS long vector), fed in pieces that straddle block edges.
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        var pieces: [[UInt8]] = []
        var at = 0, size = 1
        while at < million.count {
            let end = min(at + size, million.count)
            pieces.append(Array(million[at ..< end]))
            at = end
            size = size * 3 % 1000 + 1
        }
        #expect(hex(pieces) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")

        let url = fixtures.appendingPathComponent("models/qwen3-tiny-gqa2/qwen3-tiny-gqa2-q8_0.gguf")
        let bytes = try Data(contentsOf: url)
        #expect(try SHA256Hasher.hexDigest(ofFile: url) == referenceSHA256(bytes))
        var hasher = SHA256Hasher()
        hasher.update(bytes.prefix(63))
        hasher.update(bytes.dropFirst(63).prefix(65))
        hasher.update(bytes.dropFirst(128))
        #expect(hasher.hexDigest() == (try referenceSHA256(bytes)))
    }
}
