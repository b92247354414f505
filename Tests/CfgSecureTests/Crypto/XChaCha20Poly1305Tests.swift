import CfgSecure
import Testing

struct XChaCha20Poly1305Tests {
    let key = SecureRandom.secret(count: XChaCha20Poly1305.keyByteCount)
    let associatedData = Array("airflow/prod/db".utf8)

    @Test func roundTrips() throws {
        let plaintext = Secret(copying: canary)
        let sealed = try XChaCha20Poly1305.seal(plaintext, key: key, associatedData: associatedData)
        #expect(sealed.count == XChaCha20Poly1305.nonceByteCount + plaintext.count + XChaCha20Poly1305.tagByteCount)
        let opened = try XChaCha20Poly1305.open(sealed, key: key, associatedData: associatedData)
        #expect(opened == plaintext)
    }

    @Test func roundTripsAnEmptyPlaintext() throws {
        let sealed = try XChaCha20Poly1305.seal(Secret(bytes: []), key: key, associatedData: [])
        #expect(sealed.count == XChaCha20Poly1305.nonceByteCount + XChaCha20Poly1305.tagByteCount)
        #expect(try XChaCha20Poly1305.open(sealed, key: key, associatedData: []).isEmpty)
    }

    @Test func ciphertextDoesNotContainThePlaintext() throws {
        let sealed = try XChaCha20Poly1305.seal(Secret(copying: canary), key: key, associatedData: [])
        #expect(String(decoding: sealed, as: UTF8.self).contains(canary) == false)
    }

    @Test func sealingTwiceUsesFreshNonces() throws {
        let plaintext = Secret(copying: "same")
        let first = try XChaCha20Poly1305.seal(plaintext, key: key, associatedData: [])
        let second = try XChaCha20Poly1305.seal(plaintext, key: key, associatedData: [])
        #expect(first.prefix(XChaCha20Poly1305.nonceByteCount) != second.prefix(XChaCha20Poly1305.nonceByteCount))
        #expect(first != second)
    }

    @Test func wrongKeyFails() throws {
        let sealed = try XChaCha20Poly1305.seal(Secret(copying: canary), key: key, associatedData: associatedData)
        let otherKey = SecureRandom.secret(count: XChaCha20Poly1305.keyByteCount)
        let error = #expect(throws: CryptoError.self) {
            _ = try XChaCha20Poly1305.open(sealed, key: otherKey, associatedData: associatedData)
        }
        #expect(error?.code == .authenticationFailed)
        #expect(error.map { !String(describing: $0).contains(canary) } ?? false)
    }

    @Test func wrongAssociatedDataFails() throws {
        let sealed = try XChaCha20Poly1305.seal(Secret(copying: canary), key: key, associatedData: associatedData)
        let error = #expect(throws: CryptoError.self) {
            _ = try XChaCha20Poly1305.open(sealed, key: key, associatedData: Array("airflow/prod/redis".utf8))
        }
        #expect(error?.code == .authenticationFailed)
    }

    @Test func everyFlippedByteFails() throws {
        let sealed = try XChaCha20Poly1305.seal(Secret(copying: "short"), key: key, associatedData: associatedData)
        for index in sealed.indices {
            var tampered = sealed
            tampered[index] ^= 0x01
            let error = #expect(throws: CryptoError.self) {
                _ = try XChaCha20Poly1305.open(tampered, key: key, associatedData: associatedData)
            }
            #expect(error?.code == .authenticationFailed)
        }
    }

    @Test(arguments: [0, 1, 23, 24, 39, 40, 44])
    func truncatedInputFails(keep: Int) throws {
        let sealed = try XChaCha20Poly1305.seal(Secret(copying: "short"), key: key, associatedData: [])
        let error = #expect(throws: CryptoError.self) {
            _ = try XChaCha20Poly1305.open(sealed.prefix(keep), key: key, associatedData: [])
        }
        #expect(error?.code == .authenticationFailed)
    }

    @Test func wrongKeyLengthIsInvalidInput() {
        let shortKey = Secret(bytes: [UInt8](repeating: 1, count: 16))
        let error = #expect(throws: CryptoError.self) {
            _ = try XChaCha20Poly1305.seal(Secret(copying: "x"), key: shortKey, associatedData: [])
        }
        #expect(error?.code == .invalidInput)
    }
}
